"""The records' stamp and the figures remembered under it (issue #17 item 3: a cache only where it stays correct)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.factories import d, draft, published
from tracker.alerts.models import Alert, AlertLevel
from tracker.auth import towns
from tracker.auth.models import Town, TownKind
from tracker.common import stamp
from tracker.common.stamp import RecordStamp, current_stamp, remembered
from tracker.documents.models import DocKind, Document
from tracker.reports import stats
from tracker.rules.models import CalendarDay, Setting
from tracker.rules.ruleset import get_setting, set_setting
from tracker.rules.services import load_calendar
from tracker.scheduler.models import JobRun


def stored(db) -> str | None:
    """The install's stamp (what a write that belongs to no one town changes)."""
    return db.session.scalar(sa.select(RecordStamp.stamp).where(RecordStamp.scope == stamp.SCOPE))


def test_a_write_gives_a_new_stamp_in_its_own_transaction(db, world):
    before = stored(db)
    assert before is not None  # written with the reference data
    db.session.add(Setting(key="stamp.test", value="1", description=""))
    db.session.flush()
    during = stored(db)
    assert during != before
    db.session.rollback()
    assert stored(db) == before  # a write rolled back takes its stamp with it
    db.session.add(Setting(key="stamp.test", value="1", description=""))
    db.session.commit()
    assert stored(db) not in (before, during)


def test_a_bulk_update_gives_a_new_stamp_and_the_bookkeeping_tables_do_not(db, world, now):
    doc = published(world, "测试镇戳记办法", d("2026-09-01"), d("2026-09-20"), d("2026-10-20"))
    db.session.commit()
    before = stored(db)
    db.session.execute(sa.update(Document).where(Document.id == doc.id).values(summary="改过"))
    assert stored(db) != before
    db.session.commit()
    before = stored(db)
    db.session.execute(sa.update(Alert).values(level=AlertLevel.RESOLVED))
    assert stored(db) != before  # the boards' counts of open deadlines are remembered too
    db.session.commit()
    before = stored(db)
    db.session.add(JobRun(job_id="deadline_scan", run_on=d("2026-11-02"), started_at=now))
    db.session.commit()
    assert stored(db) == before  # the scheduler's bookkeeping changes no remembered figure


def test_remembered_computes_once_per_stamp(db, world, app):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    stamp.forget()
    with app.test_request_context("/"):
        assert remembered("k", compute) == 1
        assert remembered("k", compute) == 1
    assert len(calls) == 1
    db.session.add(Setting(key="stamp.test", value="1", description=""))
    db.session.commit()
    with app.test_request_context("/"):
        assert remembered("k", compute) == 2
    assert len(calls) == 2


def test_without_a_stamp_nothing_is_remembered(db, world, app):
    db.session.execute(sa.delete(RecordStamp))
    db.session.commit()
    calls = []
    with app.test_request_context("/"):
        assert current_stamp() is None
        remembered("k", lambda: calls.append(1))
        remembered("k", lambda: calls.append(1))
    assert len(calls) == 2


def published_figure(page: str) -> str:
    row = re.search(r'<tr data-figure="published"><td>[^<]*</td>\s*<td>(.*?)</td>', page, flags=re.S)
    assert row, "no 统一发布 row"
    return re.sub(r"<[^>]+>", "", row.group(1)).strip()


def test_the_statistics_page_shows_a_publication_at_once(db, world, login_as):
    stamp.forget()
    leader = login_as("leader")
    assert published_figure(leader.get("/reports/annual?year=2026").get_data(as_text=True)) == "0"
    assert published_figure(leader.get("/reports/annual?year=2026").get_data(as_text=True)) == "0"  # remembered
    published(world, "测试镇新发布办法", d("2026-09-01"), d("2026-09-20"), d("2026-10-20"))
    db.session.commit()
    # The figure remembered before the publication is not shown after it, and is what a full recount says.
    assert published_figure(leader.get("/reports/annual?year=2026").get_data(as_text=True)) == "1"
    assert (
        stats.annual(2026).figures["published"].document_ids == stats.count_year(2026).figures["published"].document_ids
    )


# --- per town (issue #16, scale: a write in one town leaves the other towns' figures remembered) ------------------


def stamps(db) -> dict[str, str]:
    return dict(db.session.execute(sa.select(RecordStamp.scope, RecordStamp.stamp)).all())


def _neighbour(db, world, now) -> Town:
    town = towns.create_town(
        name="邻镇", kind=TownKind.TOWN, parent=db.session.get(Town, world.town.parent_id), now=now
    )
    db.session.commit()
    return town


def test_a_towns_record_restamps_that_town_only(db, world, now):
    neighbour = _neighbour(db, world, now)
    home, city = stamp.town_scope(world.town.id), stamp.town_scope(world.town.parent_id)
    before = stamps(db)
    assert {home, city, stamp.town_scope(neighbour.id), stamp.SCOPE} <= set(before)
    doc = draft(world, "测试镇分镇戳记办法", d("2026-10-01"))
    db.session.commit()
    after = stamps(db)
    assert after[home] != before[home]
    assert {k: after[k] for k in after if k != home} == {k: before[k] for k in before if k != home}
    # A part of a document (its version) is the document's town's.
    before = after
    doc.versions[0].note = "改过的说明"
    db.session.commit()
    after = stamps(db)
    assert (
        after[home] != before[home] and after[stamp.town_scope(neighbour.id)] == before[stamp.town_scope(neighbour.id)]
    )
    # The city's unit is read by every town: its stamp (in every town's key) changes, the towns' do not.
    before = after
    world.units["city"].short_name = "市局"
    db.session.commit()
    after = stamps(db)
    assert after[city] != before[city] and after[home] == before[home]
    # What belongs to no one town (a setting) changes the install's stamp, read by every figure.
    before = after
    db.session.add(Setting(key="stamp.test", value="1", description=""))
    db.session.commit()
    assert stamps(db)[stamp.SCOPE] != before[stamp.SCOPE]


def test_a_figure_of_one_town_survives_a_write_in_another_and_not_one_in_its_own(db, world, app, now):
    neighbour = _neighbour(db, world, now)
    calls: list[int] = []

    def compute():
        calls.append(1)
        return len(calls)

    def figure() -> int:
        with app.test_request_context("/"):
            towns.enter(world["clerk"])
            return remembered("per-town", compute)

    stamp.forget()
    assert figure() == 1
    # 邻镇 writes: 测试镇's figure is still the one remembered.
    db.session.add(Document(**_document_of(world, neighbour)))
    db.session.commit()
    assert figure() == 1 and len(calls) == 1
    # 测试镇 writes: counted again.
    draft(world, "测试镇又一件办法", d("2026-10-01"))
    db.session.commit()
    assert figure() == 2
    # Outside a town (the public library, a command) a figure depends on every town's stamp.
    with app.test_request_context("/"):
        assert stamp.current_stamp() == tuple(sorted(stamps(db).items()))


def _document_of(world, town: Town) -> dict:
    """A bare draft of `town` (its drafting unit is of no importance to the stamp)."""
    return {
        "town_id": town.id,
        "title": "邻镇的办法",
        "kind": DocKind.GOVERNMENT,
        "issuer_id": world.units["gov"].id,
        "drafting_unit_id": world.units["office"].id,
        "created_by_id": world["drafter"].id,
    }


def test_the_calendar_survives_a_towns_write_and_not_a_change_of_the_calendar(db, world, app, now):
    """The working-day calendar belongs to no town: it is kept under the install's stamp alone, so the first page
    after a town's write does not read it again; a new holiday is counted at once."""
    read: list[str] = []

    def watch(*args) -> None:
        read.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", watch)

    def calendar():
        with app.test_request_context("/"):
            towns.enter(world["clerk"])
            read.clear()
            loaded = load_calendar()
            return loaded, [s for s in read if "calendar_" in s]

    try:
        stamp.forget()
        first, statements = calendar()
        assert statements  # read the first time
        draft(world, "测试镇的办法", d("2026-10-01"))  # the town writes: its stamp changes, the install's does not
        db.session.commit()
        again, statements = calendar()
        assert statements == [] and again is first
        holiday = d("2026-11-04")  # a Wednesday, a working day by the package
        assert first.is_working_day(holiday)
        db.session.add(CalendarDay(day=holiday, kind="holiday", source="测试：临时放假", imported_at=now))
        db.session.commit()
        changed, statements = calendar()
        assert statements and not changed.is_working_day(holiday)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", watch)


def test_the_settings_survive_a_towns_write_and_not_a_change_of_a_setting(db, world, app, now):
    """Settings are rows of no town (a town's own value is keyed key@town): kept under the install's stamp, so the
    first page after a town's write does not read them again; a town's new value is read at once, by that town
    only."""
    read: list[str] = []

    def watch(*args) -> None:
        read.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", watch)

    def pattern(user: str):
        with app.test_request_context("/"):
            towns.enter(world[user])
            read.clear()
            value = get_setting("opinion_number_pattern")
            return value, [s for s in read if "FROM settings" in s]

    try:
        stamp.forget()
        first, statements = pattern("clerk")
        assert statements  # read the first time
        draft(world, "测试镇设置办法", d("2026-10-01"))  # the town writes: its stamp changes, the install's does not
        db.session.commit()
        assert pattern("clerk") == (first, [])
        set_setting("opinion_number_pattern", "测司审〔{year}〕第{seq}号", now=now, town_id=world.town.id)
        db.session.commit()
        changed, statements = pattern("clerk")
        assert statements and changed == "测司审〔{year}〕第{seq}号" != first
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", watch)
