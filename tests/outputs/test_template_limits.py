"""An administrator's template cannot tie up a worker (issue #15 item 1): checks and renders run in a child process
with CPU-time and memory limits, and the sandbox bounds repetitions and output; each refusal in Chinese, timed,
with the worker's memory growth measured in a fresh process."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from config import Config
from tests.limits import WORKER_TIMEOUT, measure_all
from tests.word.steps import builtin, edit
from tracker.common import confine
from tracker.outputs.kinds import spec_for
from tracker.word import render
from tracker.word.models import OutputKind, TemplateVersion
from tracker.word.render import RenderError, check_template, render_checked

OPINION = spec_for(OutputKind.OPINION)
# Inserted after {{ number }} (a top-level field of the opinion template); ' is &apos; inside Word's XML.
NESTED_LOOPS = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
NESTED_OUTPUT = "{% for a in range(100000) %}{% for b in range(100000) %}" + "条款" * 50 + "{% endfor %}{% endfor %}"
REPEAT = "{{ &apos;x&apos; * 30000000 }}"
DOUBLING = (
    "{% set ns = namespace(s=&apos;x&apos;) %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"
    "{{ ns.s|length }}"
)
TOO_LONG = "模板生成的内容过长"


def hostile_template(statement: str) -> bytes:
    return edit(builtin(OutputKind.OPINION), "{{ number }}", "{{ number }}" + statement)


# The nested loops get a short budget (the test waits for it); the others a long one, so that what stops them is
# what the test is about even on a loaded machine, not the clock.
SHORT, LONG, MEMORY_MB = 2, 20, 256
STATEMENTS = {
    "nested": (NESTED_LOOPS, SHORT),
    "repeat": (REPEAT, LONG),
    "output": (NESTED_OUTPUT, LONG),
    "doubling": (DOUBLING, LONG),
}


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """check_template of each hostile template in one fresh process (the render server started before)."""
    folder = tmp_path_factory.mktemp("templates")
    for name, (statement, _seconds) in STATEMENTS.items():
        (folder / f"{name}.docx").write_bytes(hostile_template(statement))
    setup = f"""
from config import TestConfig
from tracker import create_app
from tracker.outputs.kinds import spec_for
from tracker.word.models import OutputKind
from tracker.word.render import check_template, clean_text
from tracker.word import render
app = create_app(TestConfig, UPLOAD_DIR={str(folder / "uploads")!r}, WORD_RENDER_MEMORY_MB={MEMORY_MB})
app.app_context().push()
render._confined(clean_text, "start the render server before measuring")
spec = spec_for(OutputKind.OPINION)
def check(name, seconds):
    app.config["WORD_RENDER_SECONDS"] = seconds
    return check_template(spec, open({str(folder)!r} + "/" + name + ".docx", "rb").read()).problems
"""
    calls = {name: f"check({name!r}, {seconds})" for name, (_statement, seconds) in STATEMENTS.items()}
    return measure_all(calls, setup=setup)


def _assert_refused(measured, message: str) -> None:
    assert measured.outcome == "returned", measured
    assert len(measured.result) == 1 and message in measured.result[0], measured.result
    # Well under the worker timeout (each takes a second or two on an idle machine, the nested loops their budget).
    assert measured.elapsed < WORKER_TIMEOUT / 2, measured
    # The worker itself does not grow: the render ran, and was stopped, in a child.
    assert measured.growth_mb < 40, measured


def test_the_default_budget_is_well_under_the_worker_timeout():
    # A check renders in one child: its whole budget, plus the time to hand the answer back.
    for seconds in (Config.WORD_RENDER_SECONDS, render.RENDER_SECONDS):
        assert seconds + confine.GRACE_SECONDS <= WORKER_TIMEOUT / 2
    assert Config.WORD_RENDER_MEMORY_MB == render.RENDER_MEMORY_MB <= 512


def test_nested_loops_are_stopped_at_the_time_limit(measured):
    _assert_refused(measured["nested"], f"超过 {SHORT} 秒")
    assert measured["nested"].elapsed >= SHORT  # stopped by the clock: it would have run for hours


def test_a_huge_repetition_is_refused_before_it_is_computed(measured):
    _assert_refused(measured["repeat"], TOO_LONG)


def test_nested_loops_that_write_are_stopped_by_the_output_limit(measured):
    _assert_refused(measured["output"], TOO_LONG)


def test_doubling_a_string_is_stopped_at_the_memory_limit(measured):
    _assert_refused(measured["doubling"], f"超过 {MEMORY_MB} MB 内存")


def test_a_refused_template_is_not_stored_and_the_active_one_stays(app, db, world, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "WORD_RENDER_SECONDS", SHORT)
    admin = login_as("admin")
    r = admin.post(
        "/word/templates/opinion/upload",
        data={"opinion-file": (io.BytesIO(hostile_template(NESTED_LOOPS)), "意见书模板.docx"), "opinion-note": ""},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    page = admin.get(r.headers["Location"]).get_data(as_text=True)
    assert "模板未启用，原模板继续使用" in page and f"超过 {SHORT} 秒" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TemplateVersion)) == 0


def test_every_render_is_limited_too_even_of_a_template_that_skipped_the_check(app, monkeypatch):
    """A template stored before these limits, or data far bigger than the samples: generation is bounded as well."""
    monkeypatch.setitem(app.config, "WORD_RENDER_SECONDS", SHORT)
    with app.app_context():
        with pytest.raises(RenderError, match=f"超过 {SHORT} 秒"):
            render_checked(hostile_template(NESTED_LOOPS), OPINION.samples()[0])
        app.config["WORD_RENDER_SECONDS"] = LONG
        with pytest.raises(RenderError, match=TOO_LONG):
            render.render_preview(hostile_template(REPEAT), OPINION.samples()[0])


def test_the_render_server_survives_a_stopped_child_and_renders_the_next_one(app, monkeypatch):
    monkeypatch.setitem(app.config, "WORD_RENDER_SECONDS", SHORT)
    with app.app_context():
        with pytest.raises(RenderError):
            render_checked(hostile_template(NESTED_LOOPS), OPINION.samples()[0])
        app.config["WORD_RENDER_SECONDS"] = LONG
        assert check_template(OPINION, builtin(OutputKind.OPINION)).ok
