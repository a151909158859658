"""The daily deadline scan, driven day by day through a month that crosses the 2026 National Day holiday.

Every due date and every level below is counted by hand on the official 2026 schedule (docs/rules.md §3, as shipped
in chinese_calendar): 中秋 09-25 (Fri) off; 国庆 10-01…10-07 off; make-up workdays 09-20 (Sun) and 10-10 (Sat).

    September 2026                 October 2026
    Mo Tu We Th Fr Sa Su           Mo Tu We Th Fr Sa Su
    14 15 16 17 18 19 [20]                  (1)(2)(3)(4)
    21 22 23 24 (25)(26)(27)       (5)(6)(7) 8  9 [10](11)
    28 29 30                       12 13 14 15 16 (17)(18)
                                   19 20
    ( ) rest day   [ ] make-up workday

Rule set defaults: review 15 working days, filing 15 calendar days rolled past rest days, effect gap 30 days,
"due soon" = 3 working days before the due date, evaluation 6 months before the validity ends.
"""

from __future__ import annotations

import logging
from datetime import date

import pytest
import sqlalchemy as sa

from tests.factories import (
    accept,
    at,
    conclude_review,
    d,
    days,
    draft,
    filing_result,
    publish,
    ready_to_publish,
    submit,
    submit_filing,
)
from tracker.alerts.models import Alert, AlertKind, AlertLevel
from tracker.alerts.scan import scan
from tracker.audit.models import AuditEvent
from tracker.filing.models import FilingResult
from tracker.publication.services import apply_daily_effects
from tracker.review.models import ReviewRound
from tracker.review.services import latest_round
from tracker.rules.calendar import parse_schedule_csv
from tracker.rules.services import import_schedule
from tracker.scheduler.jobs import run_once
from tracker.scheduler.models import JobRun

K = AlertKind
OPEN, SOON, LATE, DONE = "open", "due_soon", "overdue", "resolved"


def build_town(w) -> dict[str, object]:
    """A: a draft ready to submit. B: numbered, to be published 09-16. C: in force since 2022-04-01, 5 years."""
    a = draft(w, "测试镇甲管理办法", d("2026-09-10"))
    b = ready_to_publish(w, "测试镇乙管理办法", d("2026-08-17"))
    c = ready_to_publish(w, "测试镇丙管理办法", d("2022-01-10"))
    publish(w, c, d("2022-03-01"), effective_on=d("2022-04-01"))  # default validity: until 2027-03-31
    submit_filing(w, c, d("2022-03-08"))
    filing_result(w, c, d("2022-03-30"), FilingResult.REGISTERED)
    apply_daily_effects(now=at(d("2022-04-01"), 0, 10))
    return {"A": a, "B": b, "C": c}


# What happens in the office on a day (at 10:00–15:00 Beijing time).
def _events(w, docs):
    a, b = docs["A"], docs["B"]
    return {
        d("2026-09-14"): lambda: submit(w, a, d("2026-09-14")),
        d("2026-09-15"): lambda: accept(w, a, d("2026-09-15")),
        d("2026-09-16"): lambda: publish(w, b, d("2026-09-16"), effective_on=d("2026-10-16")),
        d("2026-10-12"): lambda: (
            conclude_review(w, a, latest_round(a), d("2026-10-12")),
            submit_filing(w, b, d("2026-10-12")),
        ),
        d("2026-10-14"): lambda: filing_result(w, b, d("2026-10-14"), FilingResult.CORRECTION, "请补充制定依据"),
        d("2026-10-19"): lambda: submit_filing(w, b, d("2026-10-19")),
    }


# Each alert's level from the given day on (absent before its first entry), counted by hand.
SPANS: dict[tuple[AlertKind, str], list[tuple[str, str]]] = {
    # received 09-14; 15 WD: 09-15…18 (4), 09-20 make-up (5), 09-21…24 (9), 09-28…30 (12), 10-08, 10-09, 10-10 (15).
    # Due soon when ≤ 3 WD remain: on 09-30 only 10-08, 10-09, 10-10 remain, though 10 calendar days do.
    (K.REVIEW_DUE, "A"): [("09-14", OPEN), ("09-30", SOON), ("10-11", LATE), ("10-12", DONE)],
    # published 09-16; +15 days = 10-01, a holiday: rolled to 10-08. 3 WD before: 09-28 (09-29, 09-30, 10-08).
    (K.FILING_DUE, "B"): [("09-16", OPEN), ("09-28", SOON), ("10-09", LATE), ("10-12", DONE)],
    # effective 10-16; due soon from 10-13 (10-14, 10-15, 10-16); takes effect at 00:10 on 10-16.
    (K.EFFECT_DUE, "B"): [("09-16", OPEN), ("10-13", SOON), ("10-16", DONE)],
    # validity ends 2027-03-31; 6 months before: 2026-09-30.
    (K.EVALUATION_DUE, "C"): [("09-30", OPEN)],
    # passed 10-12; 20 WD: 10-13…16 (4), 10-19…23 (9), 10-26…30 (14), 11-02…06 (19), 11-09 (20).
    (K.DELIBERATION_PENDING, "A"): [("10-12", OPEN)],
    # correction ordered 10-14; +30 days = 11-13 (a Friday); resubmitted 10-19.
    (K.CORRECTION_DUE, "B"): [("10-14", OPEN), ("10-19", DONE)],
    # the city's answer: submitted 10-12, +30 days = 11-11 (a Wednesday); answered (补正) 10-14; resubmitted 10-19,
    # +30 days = 11-18 (a Wednesday): the filing's one alert opens again with the new date.
    (K.FILING_REVIEW_DUE, "B"): [("10-12", OPEN), ("10-14", DONE), ("10-19", OPEN)],
}
# A due date that moves says from which day on: [(from, due date), ...].
DUE = {
    (K.REVIEW_DUE, "A"): d("2026-10-10"),
    (K.FILING_DUE, "B"): d("2026-10-08"),
    (K.EFFECT_DUE, "B"): d("2026-10-16"),
    (K.EVALUATION_DUE, "C"): d("2027-03-31"),
    (K.DELIBERATION_PENDING, "A"): d("2026-11-09"),
    (K.CORRECTION_DUE, "B"): d("2026-11-13"),
    (K.FILING_REVIEW_DUE, "B"): [("10-12", d("2026-11-11")), ("10-19", d("2026-11-18"))],
}
CREATED = {"09-14": 1, "09-16": 2, "09-30": 1, "10-12": 2, "10-14": 1}
RESOLVED = {"10-12": 2, "10-14": 1, "10-16": 1, "10-19": 1}


def due_on_day(key, day: date) -> date:
    due = DUE[key]
    if isinstance(due, date):
        return due
    return [on for start, on in due if day >= d(f"2026-{start}")][-1]


ESCALATED = {"09-28": 1, "09-30": 1, "10-09": 1, "10-11": 1, "10-13": 1}


def expected_on(day: date) -> dict[tuple[AlertKind, str], str]:
    out = {}
    for key, spans in SPANS.items():
        for start, level in spans:
            if day >= d(f"2026-{start}"):
                out[key] = level
    return out


def snapshot(names: dict[int, str]) -> dict:
    rows = db_alerts()
    return {
        (a.kind, names[a.document_id]): (a.level.value, a.due_on, a.provisional, a.level_changed_on, a.resolved_on)
        for a in rows
    }


def db_alerts() -> list[Alert]:
    from tracker.extensions import db

    db.session.expire_all()
    return list(db.session.scalars(sa.select(Alert).order_by(Alert.id)))


def test_a_month_day_by_day_across_the_national_day_holiday(db, world):
    w = world
    docs = build_town(w)
    db.session.commit()
    names = {doc.id: name for name, doc in docs.items()}
    events = _events(w, docs)

    for day in days(d("2026-09-14"), d("2026-10-20")):
        apply_daily_effects(now=at(day, 0, 10))  # the scheduler's 00:10 job
        if day in events:
            events[day]()
        # The scan runs after the day's work (as `flask deadlines scan` at 18:00 would): a step done today
        # resolves its alert today. (The scheduler's 06:30 run would see it the next morning.)
        result = scan(today=day, now=at(day, 18))
        db.session.commit()
        md = day.strftime("%m-%d")
        expected = expected_on(day)

        state = snapshot(names)
        assert {k: v[0] for k, v in state.items()} == expected, md
        for key, (_level, due_on, provisional, changed_on, resolved_on) in state.items():
            assert due_on == due_on_day(key, day), (md, key)
            assert provisional is False
            if expected[key] == DONE:
                assert resolved_on == changed_on == d(f"2026-{next(s for s, lv in SPANS[key] if lv == DONE)}")
        assert (result.created, result.resolved, result.escalated) == (
            CREATED.get(md, 0),
            RESOLVED.get(md, 0),
            ESCALATED.get(md, 0),
        ), md
        assert result.open == sum(1 for level in expected.values() if level != DONE), md
        assert result.line() == f"created={result.created} resolved={result.resolved} open={result.open}"

        # The same day again (a second run, a manual scan): nothing new, nothing changed.
        again = scan(today=day, now=at(day, 18, 30))
        db.session.commit()
        assert (again.created, again.resolved, again.escalated, again.changed) == (0, 0, 0, 0), md
        assert again.open == result.open
        assert snapshot(names) == state, md

    # The steps behind the resolutions really happened through the services.
    assert docs["B"].status.value == "in_force"
    assert docs["B"].filing_status.value == "submitted"
    assert docs["A"].status.value == "passed"
    messages = {(a.kind, names[a.document_id]): a.message for a in db_alerts()}
    assert messages[(K.FILING_DUE, "B")] == "《测试镇乙管理办法》报送备案"
    assert messages[(K.FILING_REVIEW_DUE, "B")] == "《测试镇乙管理办法》待中山市司法局备案审查答复"
    assert messages[(K.EVALUATION_DUE, "C")] == "《测试镇丙管理办法》有效期届满前评估"
    assert messages[(K.DELIBERATION_PENDING, "A")] == "《测试镇甲管理办法》审查通过，待提请集体审议"


def _job(day: date, hour: int = 18) -> str:
    summary = run_once("deadline_scan", now=at(day, hour))
    assert summary is not None, f"deadline_scan failed or was skipped on {day}"
    return summary


def test_missed_weeks_are_caught_up_in_one_run_each(db, world, caplog):
    """The scheduler is down for a week at a time; started again, its catch-up runs the scan once for the day."""
    w = world
    docs = build_town(w)
    db.session.commit()
    names = {doc.id: name for name, doc in docs.items()}
    caplog.set_level(logging.INFO, logger="tracker.jobs")

    submit(w, docs["A"], d("2026-09-14"))
    db.session.commit()
    # The submission's commit made its alert; the scan finds it in place.
    assert {k: v[0] for k, v in snapshot(names).items()} == {(K.REVIEW_DUE, "A"): OPEN}
    assert _job(d("2026-09-14")).startswith("created=0 resolved=0 open=1")

    # Down 09-15 … 09-21 (7 days) while A is accepted and B is published: nothing of it is lost (B's deadlines
    # came with its publication, not with a scan).
    accept(w, docs["A"], d("2026-09-15"))
    publish(w, docs["B"], d("2026-09-16"), effective_on=d("2026-10-16"))
    db.session.commit()
    caplog.clear()
    assert _job(d("2026-09-22")).startswith("created=0 resolved=0 open=3")
    assert "caught up after 7 days without a run (last 2026-09-14)" in caplog.text
    assert {k: v[0] for k, v in snapshot(names).items()} == {
        (K.REVIEW_DUE, "A"): OPEN,
        (K.FILING_DUE, "B"): OPEN,
        (K.EFFECT_DUE, "B"): OPEN,
    }

    # Down 09-23 … 09-29: on 09-30 the review and the filing are due soon at once, the evaluation window opens.
    caplog.clear()
    assert _job(d("2026-09-30")).startswith("created=1 resolved=0 open=4")
    assert "caught up after 7 days without a run (last 2026-09-22)" in caplog.text
    assert {k: v[0] for k, v in snapshot(names).items()} == {
        (K.REVIEW_DUE, "A"): SOON,
        (K.FILING_DUE, "B"): SOON,
        (K.EFFECT_DUE, "B"): OPEN,
        (K.EVALUATION_DUE, "C"): OPEN,
    }

    # Down over the whole holiday, 10-01 … 10-08: the filing went overdue in between (due 10-08).
    caplog.clear()
    assert _job(d("2026-10-09")).startswith("created=0 resolved=0 open=4")
    assert "caught up after 8 days without a run (last 2026-09-30)" in caplog.text
    state = snapshot(names)
    assert {k: v[0] for k, v in state.items()} == {
        (K.REVIEW_DUE, "A"): SOON,
        (K.FILING_DUE, "B"): LATE,
        (K.EFFECT_DUE, "B"): OPEN,
        (K.EVALUATION_DUE, "C"): OPEN,
    }
    assert state[(K.FILING_DUE, "B")][3] == d("2026-10-09")  # escalated on the day of the catch-up

    # The next day runs normally and does not say it caught up.
    caplog.clear()
    _job(d("2026-10-10"))
    assert "caught up" not in caplog.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 5


def test_restarting_the_scheduler_in_the_middle_of_a_day_duplicates_nothing(db, world, app, clock, caplog):
    w = world
    docs = build_town(w)
    submit(w, docs["A"], d("2026-09-28"))
    db.session.commit()
    names = {doc.id: name for name, doc in docs.items()}
    caplog.set_level(logging.INFO, logger="tracker.jobs")

    first = run_once("deadline_scan", now=at(d("2026-09-30"), 6, 30))
    # A's review alert came with the submission's commit; the scan adds C's evaluation, whose window opens today.
    assert first is not None and first.startswith("created=1 resolved=0 open=2")
    state = snapshot(names)
    assert {k: v[0] for k, v in state.items()} == {(K.REVIEW_DUE, "A"): OPEN, (K.EVALUATION_DUE, "C"): OPEN}

    # The process restarts at 13:00 and the job fires again: it finds today's run and does nothing.
    assert run_once("deadline_scan", now=at(d("2026-09-30"), 13, 0)) is None
    assert "deadline_scan: already ran for 2026-09-30, skipped" in caplog.text
    assert snapshot(names) == state
    runs = db.session.execute(sa.select(JobRun.job_id, JobRun.run_on)).all()
    assert runs == [("deadline_scan", d("2026-09-30"))]

    # The real restart path: `scheduler run` calls catch_up(), which runs every job whose time today has passed.
    from tracker.scheduler import catch_up

    restart_at = at(d("2026-09-30"), 13, 5)
    clock.set(restart_at)
    catch_up(app)
    catch_up(app)  # and again: a second restart within the same day
    db.session.expire_all()
    runs = db.session.execute(sa.select(JobRun.job_id, JobRun.run_on).order_by(JobRun.job_id)).all()
    assert runs == [
        ("backup", d("2026-09-30")),
        ("daily_effects", d("2026-09-30")),
        ("deadline_scan", d("2026-09-30")),
        ("periodic_cleanup", d("2026-09-30")),
        ("reminders", d("2026-09-30")),
    ]
    assert snapshot(names) == state
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 2

    # The next day the job runs again: A (received 09-28; 15 WD to 10-23) is not yet due soon.
    nxt = run_once("deadline_scan", now=at(d("2026-10-01"), 6, 30))
    assert nxt is not None and nxt.startswith("created=0 resolved=0 open=2")


SCHEDULE_2027 = """date,kind,source
2027-01-01,holiday,测试用假设安排
2027-01-02,holiday,测试用假设安排
2027-01-03,holiday,测试用假设安排
2027-01-31,workday,测试用假设安排
2027-02-05,holiday,测试用假设安排
2027-02-06,holiday,测试用假设安排
2027-02-07,holiday,测试用假设安排
2027-02-08,holiday,测试用假设安排
2027-02-09,holiday,测试用假设安排
2027-02-10,holiday,测试用假设安排
2027-02-11,holiday,测试用假设安排
2027-02-12,holiday,测试用假设安排
2027-02-13,holiday,测试用假设安排
2027-02-20,workday,测试用假设安排
"""


def test_provisional_2027_deadlines_are_recomputed_after_the_schedule_is_imported(db, world):
    """2027's schedule is not published: dates in it are estimated (statutory holidays and 补假) and provisional.

    Estimate: 2027-01-01 (Fri) off; Spring Festival 2027-02-06, so 除夕 02-05 (Fri) … 02-08 (Mon) off, and 02-09,
    02-10 as 补假 for 初一 and 初二 (Saturday, Sunday).
    The imported (hypothetical) schedule: 01-01…01-03 off; 02-05…02-13 off; make-up workdays 01-31 (Sun), 02-20 (Sat).
    """
    w = world
    names: dict[int, str] = {}

    # D: received 2026-12-21; 15 WD: 12-22…25 (4), 12-28…31 (8), [01-01 off], 01-04…08 (13), 01-11, 01-12 (15).
    doc_d = draft(w, "测试镇丁管理办法", d("2026-12-18"))
    submit(w, doc_d, d("2026-12-21"))
    names[doc_d.id] = "D"
    first = scan(today=d("2026-12-21"), now=at(d("2026-12-21"), 18))
    assert first.created == 1
    assert snapshot(names) == {(K.REVIEW_DUE, "D"): (OPEN, d("2027-01-12"), True, d("2026-12-21"), None)}

    # F: published 2027-01-25; +15 days = 02-09, a 补假 in the estimate: rolled to 02-11.
    doc_f = ready_to_publish(w, "测试镇己管理办法", d("2027-01-04"))
    publish(w, doc_f, d("2027-01-25"), effective_on=d("2027-02-24"))
    names[doc_f.id] = "F"
    # E: received 2027-01-25; 15 WD estimated: 01-26…29 (4), 02-01…04 (8), [02-05…10 off], 02-11, 12 (10),
    # 02-15 … 02-19 (15).
    doc_e = draft(w, "测试镇戊管理办法", d("2027-01-22"))
    submit(w, doc_e, d("2027-01-25"))
    names[doc_e.id] = "E"
    day = d("2027-01-25")
    before = scan(today=day, now=at(day, 9))
    db.session.commit()
    assert before.created == 3
    assert snapshot(names) == {
        (K.REVIEW_DUE, "D"): (LATE, d("2027-01-12"), True, day, None),
        (K.REVIEW_DUE, "E"): (OPEN, d("2027-02-19"), True, day, None),
        (K.FILING_DUE, "F"): (OPEN, d("2027-02-11"), True, day, None),
        (K.EFFECT_DUE, "F"): (OPEN, d("2027-02-24"), False, day, None),
    }

    # The administrator says the file is 2027's whole schedule (its lines alone do not cover every holiday).
    import_schedule(parse_schedule_csv(SCHEDULE_2027), actor=w["admin"], now=at(day, 10), complete_years={2027})
    db.session.commit()
    after = scan(today=day, now=at(day, 18))
    db.session.commit()
    # D keeps its date (01-01…01-03 as estimated) but is no longer provisional.
    # E: 01-26…29 (4), 01-31 make-up (5), 02-01…04 (9), [02-05…14 off], 02-15…19 (14), 02-20 make-up (15).
    # F: 02-09 is now a holiday, and so is everything to 02-14 (Sun): rolled to 02-15.
    assert (after.created, after.changed, after.resolved) == (2, 3, 0)
    state = snapshot(names)
    assert {k: v for k, v in state.items() if k[0] is not K.DEADLINE_CHANGED} == {
        (K.REVIEW_DUE, "D"): (LATE, d("2027-01-12"), False, day, None),
        (K.REVIEW_DUE, "E"): (OPEN, d("2027-02-20"), False, day, None),
        (K.FILING_DUE, "F"): (OPEN, d("2027-02-15"), False, day, None),
        (K.EFFECT_DUE, "F"): (OPEN, d("2027-02-24"), False, day, None),
    }
    changed = {
        names[a.document_id]: (a.due_on, a.level.value, a.message) for a in db_alerts() if a.kind is K.DEADLINE_CHANGED
    }
    assert changed == {
        "E": (d("2027-02-20"), OPEN, "《测试镇戊管理办法》合法性审查期限由 2027-02-19 调整为 2027-02-20"),
        "F": (d("2027-02-15"), OPEN, "《测试镇己管理办法》报送备案期限由 2027-02-11 调整为 2027-02-15"),
    }
    # The records themselves carry the new dates, and the change is in each document's history.
    rounds = {r.document_id: r for r in db.session.scalars(sa.select(ReviewRound))}
    assert (rounds[doc_e.id].due_on, rounds[doc_e.id].due_provisional) == (d("2027-02-20"), False)
    assert (rounds[doc_d.id].due_on, rounds[doc_d.id].due_provisional) == (d("2027-01-12"), False)
    history = db.session.scalars(
        sa.select(AuditEvent.summary).where(AuditEvent.action == "deadline.changed").order_by(AuditEvent.id)
    ).all()
    assert history == [
        "合法性审查期限因节假日安排确认由 2027-02-19 调整为 2027-02-20",
        "报送备案期限因节假日安排确认由 2027-02-11 调整为 2027-02-15",
    ]

    # Scanning again the same day and the next: the notices stay, nothing is created twice.
    for again_day, hour in ((day, 19), (d("2027-01-26"), 18)):
        again = scan(today=again_day, now=at(again_day, hour))
        db.session.commit()
        assert (again.created, again.changed, again.resolved) == (0, 0, 0)
    assert sum(1 for a in db_alerts() if a.kind is K.DEADLINE_CHANGED and a.level is AlertLevel.OPEN) == 2

    # A notice ends with the deadline it speaks of: F's on 02-16, E's on 02-21.
    assert scan(today=d("2027-02-16"), now=at(d("2027-02-16"), 18)).resolved == 1
    assert scan(today=d("2027-02-21"), now=at(d("2027-02-21"), 18)).resolved == 1
    assert {names[a.document_id]: a.resolved_on for a in db_alerts() if a.kind is K.DEADLINE_CHANGED} == {
        "E": d("2027-02-21"),
        "F": d("2027-02-16"),
    }


@pytest.fixture
def received_1116(db, world):
    """A submission received 2026-11-16: 15 WD: 11-17…20 (4), 11-23…27 (9), 11-30…12-04 (14), 12-07 (15)."""
    doc = draft(world, "测试镇庚管理办法", d("2026-11-13"))
    submit(world, doc, d("2026-11-16"))
    db.session.commit()
    return doc


def test_cli_scan_prints_counts_and_a_second_run_creates_nothing(app, db, received_1116):
    # The submission's commit made the alert, on the day of the submission.
    made = db.session.scalars(sa.select(Alert)).one()
    assert (made.kind, made.level, made.level_changed_on) == (K.REVIEW_DUE, AlertLevel.OPEN, d("2026-11-16"))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["deadlines", "scan", "--date", "2026-12-01"])
    assert first.exit_code == 0, first.output
    assert first.output.strip() == "created=0 resolved=0 open=1"
    second = runner.invoke(args=["deadlines", "scan", "--date", "2026-12-01"])
    assert second.exit_code == 0, second.output
    assert second.output.strip() == "created=0 resolved=0 open=1"
    alert = db.session.scalars(sa.select(Alert)).one()
    assert (alert.kind, alert.document_id, alert.due_on, alert.level) == (
        K.REVIEW_DUE,
        received_1116.id,
        d("2026-12-07"),
        AlertLevel.OPEN,  # 12-02, 12-03, 12-04, 12-07: four working days left
    )
    # The day after, three working days are left: due soon.
    third = runner.invoke(args=["deadlines", "scan", "--date", "2026-12-02"])
    assert third.output.strip() == "created=0 resolved=0 open=1"
    db.session.expire_all()
    assert db.session.scalars(sa.select(Alert)).one().level is AlertLevel.DUE_SOON


def test_cli_jobs_run_runs_once_per_day(app, db, received_1116):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["jobs", "run", "deadline_scan", "--date", "2026-12-01"])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("created=0 resolved=0 open=1")  # made by the submission's commit
    second = runner.invoke(args=["jobs", "run", "deadline_scan", "--date", "2026-12-01"])
    assert second.exit_code == 0
    assert second.output.strip() == "deadline_scan: already ran (or failed; see the log)"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 1
    assert db.session.execute(sa.select(JobRun.job_id, JobRun.run_on)).all() == [("deadline_scan", d("2026-12-01"))]
