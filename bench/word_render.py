"""How long generating one review opinion takes (issue #17: p95 within 60 ms, in the confined render worker).

    .venv/bin/python bench/word_render.py [--runs 100]

Loads the demo town into a throwaway SQLite database, takes the opinion with the most findings, and reports the
median and 95th percentile of: the render alone (docxtpl, sandboxed, from a ready context), context + render
(the database reads included), and render + store (the GeneratedDocument record, file and sha256, flushed).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)]
    return f"median {statistics.median(samples) * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms   (n={len(samples)})"


def _time(fn, runs: int) -> list[float]:
    fn()  # warm-up: imports, template parse caches
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()

    from config import TestConfig
    from tracker import create_app
    from tracker.auth.models import User
    from tracker.common.timeutil import now_utc
    from tracker.demo import load_demo
    from tracker.extensions import db
    from tracker.review import word as review_word
    from tracker.review.models import Finding, Opinion
    from tracker.word.models import OutputKind
    from tracker.word.render import render_docx
    from tracker.word.templates import active_template

    with tempfile.TemporaryDirectory(prefix="word-bench-") as tmp:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/bench.sqlite3", UPLOAD_DIR=f"{tmp}/up")
        with app.app_context():
            db.create_all()
            load_demo(now=now_utc())
            db.session.commit()
            opinion = max(
                db.session.scalars(db.select(Opinion)),
                key=lambda o: db.session.scalar(
                    db.select(db.func.count()).select_from(Finding).where(Finding.round_id == o.round_id)
                ),
            )
            reviewer = db.session.scalar(db.select(User).where(User.username == "reviewer"))
            template = active_template(OutputKind.OPINION).data
            context = review_word.opinion_context_for(opinion)
            now = now_utc()

            render_only = _time(lambda: render_docx(template, context), args.runs)
            with_context = _time(lambda: review_word.render_opinion(opinion), args.runs)
            with_store = _time(lambda: review_word.generate_opinion(opinion, actor=reviewer, now=now), args.runs)
            db.session.rollback()

            findings, materials = context["findings_count"], len(context["materials"])
            print(f"opinion {opinion.number}: {findings} findings, {materials} materials")
            print(f"render only          {_ms(render_only)}")
            print(f"context + render     {_ms(with_context)}")
            print(f"render + store       {_ms(with_store)}")


if __name__ == "__main__":
    main()
