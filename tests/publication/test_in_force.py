"""Which documents are in force on date D (documents.queries.in_force_on), across entry into force, amendment,
replacement and repeal by a new document, repeal and 宣布失效 by decision, and expiry; the daily job is idempotent.

Every date is picked by hand; each change is checked on the day before it (D-1), the day itself (D) and the day
after (D+1). A document ended on D is no longer in force on D.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import at, d, deliberated, number, numbered, publish
from tests.publication.steps import row_counts
from tracker.auth.permissions import SYSTEM
from tracker.documents.models import Document, DocumentRelation, RelationKind
from tracker.documents.states import DocStatus
from tracker.errors import InvalidTransition
from tracker.publication import services as publication
from tracker.publication.queries import in_force_on
from tracker.publication.services import DailyEffects

OLD, NEW = "测试镇河道管理办法", "测试镇河道管理办法（2026年修订）"


def in_force(day: date) -> list[str]:
    return [doc.title for doc in in_force_on(day)]


def daily(day: date) -> DailyEffects:
    """The morning job (00:10 Beijing) of that day."""
    return publication.apply_daily_effects(now=at(day, 0, 10))


def in_force_since(w, title: str, effective_on: date, **publish_kw) -> Document:
    """Numbered 32 days and published 31 days before `effective_on`, taken into force by that day's job."""
    doc = numbered(w, title, effective_on - timedelta(days=32))
    publish(w, doc, effective_on - timedelta(days=31), effective_on=effective_on, **publish_kw)
    assert daily(effective_on).took_effect == 1
    assert doc.status is DocStatus.IN_FORCE
    return doc


def successor(w, target: Document, kind: RelationKind, *, published_on: date, effective_on: date) -> Document:
    """A new document that will amend/replace/repeal `target`: related while a draft, published later."""
    new = deliberated(w, NEW, d("2026-05-04"))
    publication.add_relation(new, target, kind, actor=w["drafter"], now=at(d("2026-05-04"), 9))
    number(w, new, d("2026-05-29"))
    publish(w, new, published_on, effective_on=effective_on)
    return new


# --- before and after an amendment, a replacement, a repeal by a new document ---------------------------------


@pytest.mark.parametrize(
    ("kind", "ended"),
    [
        (RelationKind.AMENDS, DocStatus.AMENDED),
        (RelationKind.REPLACES, DocStatus.AMENDED),
        (RelationKind.REPEALS, DocStatus.REPEALED),
    ],
    ids=["amends", "replaces", "repeals"],
)
def test_in_force_before_and_after_a_new_document_takes_effect(db, world, kind, ended):
    old = in_force_since(world, OLD, d("2026-04-03"))
    new = successor(world, old, kind, published_on=d("2026-06-01"), effective_on=d("2026-07-01"))
    assert (old.status, new.status) == (DocStatus.IN_FORCE, DocStatus.PUBLISHED)
    assert daily(d("2026-06-30")) == DailyEffects(0, 0)
    assert in_force(d("2026-06-30")) == [OLD]

    assert daily(d("2026-07-01")) == DailyEffects(took_effect=1, expired=0)
    assert (old.status, old.ended_on) == (ended, d("2026-07-01"))
    assert new.status is DocStatus.IN_FORCE
    relation = db.session.scalars(sa.select(DocumentRelation).where(DocumentRelation.source_id == new.id)).one()
    assert relation.applied_on == d("2026-07-01")
    assert in_force(d("2026-04-02")) == []
    assert in_force(d("2026-04-03")) == [OLD]
    assert in_force(d("2026-06-30")) == [OLD]
    assert in_force(d("2026-07-01")) == [NEW]
    assert in_force(d("2026-07-02")) == [NEW]


def test_a_late_daily_job_still_dates_the_change_on_the_effective_date(db, world):
    """The job did not run on 07-01 and 07-02: on 07-03 the old document ends as of 07-01, not 07-03."""
    old = in_force_since(world, OLD, d("2026-04-03"))
    new = successor(world, old, RelationKind.REPLACES, published_on=d("2026-06-01"), effective_on=d("2026-07-01"))
    assert daily(d("2026-07-03")) == DailyEffects(took_effect=1, expired=0)
    assert (old.status, old.ended_on, new.status) == (DocStatus.AMENDED, d("2026-07-01"), DocStatus.IN_FORCE)
    assert in_force(d("2026-06-30")) == [OLD]
    assert in_force(d("2026-07-01")) == [NEW]
    assert in_force(d("2026-07-02")) == [NEW]


def test_a_new_document_in_force_on_publication_applies_its_relation_at_once(db, world):
    """Effective the day it is published (with a reason): publish() takes it into force and repeals the old one."""
    old = in_force_since(world, OLD, d("2026-04-03"))
    new = deliberated(world, NEW, d("2026-05-04"))
    publication.add_relation(new, old, RelationKind.REPEALS, actor=world["clerk"], now=at(d("2026-05-04"), 9))
    number(world, new, d("2026-05-29"))
    publish(world, new, d("2026-06-01"), effective_on=d("2026-06-01"), early_effect_reason="防汛紧急需要")
    assert (old.status, old.ended_on, new.status) == (DocStatus.REPEALED, d("2026-06-01"), DocStatus.IN_FORCE)
    assert in_force(d("2026-05-31")) == [OLD]
    assert in_force(d("2026-06-01")) == [NEW]
    assert in_force(d("2026-06-02")) == [NEW]


# --- repeal and 宣布失效 by decision ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "ended"),
    [("repeal", DocStatus.REPEALED), ("declare_invalid", DocStatus.INVALID)],
    ids=["repeal", "declare-invalid"],
)
def test_in_force_before_and_after_a_repeal(db, world, action, ended):
    doc = in_force_since(world, OLD, d("2026-04-03"))
    other = in_force_since(world, "测试镇渔业管理办法", d("2026-04-03"))
    publication.end_document(
        doc, action, actor=world["clerk"], now=at(d("2026-08-03")), on=d("2026-08-03"), reason="镇政府常务会议决定"
    )
    assert (doc.status, doc.ended_on, other.status) == (ended, d("2026-08-03"), DocStatus.IN_FORCE)
    assert in_force(d("2026-08-02")) == [OLD, "测试镇渔业管理办法"]
    assert in_force(d("2026-08-03")) == ["测试镇渔业管理办法"]
    assert in_force(d("2026-08-04")) == ["测试镇渔业管理办法"]


# --- not yet in force; expired ---------------------------------------------------------------------------------


def test_a_published_document_is_not_in_force_before_its_effective_date(db, world):
    doc = numbered(world, OLD, d("2026-10-21"))
    publish(world, doc, d("2026-10-22"), effective_on=d("2026-11-21"))
    assert doc.status is DocStatus.PUBLISHED
    for day in ("2026-10-21", "2026-10-22", "2026-11-20"):
        assert in_force(d(day)) == [], day
    assert daily(d("2026-11-20")) == DailyEffects(0, 0)
    assert doc.status is DocStatus.PUBLISHED
    assert daily(d("2026-11-21")) == DailyEffects(took_effect=1, expired=0)
    assert doc.status is DocStatus.IN_FORCE
    assert in_force(d("2026-11-20")) == []
    assert in_force(d("2026-11-21")) == [OLD]
    assert in_force(d("2026-11-22")) == [OLD]


def test_an_expired_document_is_not_in_force_after_its_validity_end(db, world):
    """Effective 2021-01-01 with the default 5 years: the last day in force is 2025-12-31."""
    doc = in_force_since(world, OLD, d("2021-01-01"))
    assert publication.current_publication(doc).validity_end_on == d("2025-12-31")
    # Before the job has marked it, the dates alone already answer.
    assert in_force(d("2025-12-31")) == [OLD]
    assert in_force(d("2026-01-01")) == []
    assert daily(d("2025-12-31")) == DailyEffects(0, 0)
    assert doc.status is DocStatus.IN_FORCE
    assert daily(d("2026-01-01")) == DailyEffects(took_effect=0, expired=1)
    assert (doc.status, doc.ended_on) == (DocStatus.EXPIRED, d("2026-01-01"))
    assert in_force(d("2020-12-31")) == []
    assert in_force(d("2021-01-01")) == [OLD]
    assert in_force(d("2025-12-31")) == [OLD]
    assert in_force(d("2026-01-01")) == []
    assert in_force(d("2026-01-02")) == []


def test_the_daily_job_is_idempotent(db, world):
    """On 2026-07-01 one document takes effect (and replaces another) and one expires; running again changes
    nothing, writes nothing, and neither does the next day's run."""
    old = in_force_since(world, OLD, d("2026-04-03"))
    ending = in_force_since(
        world,
        "测试镇渔业管理办法",
        d("2026-04-03"),
        validity_mode="custom",
        validity_end_on=d("2026-06-30"),
        validity_reason="汛期临时措施",
    )
    new = successor(world, old, RelationKind.REPLACES, published_on=d("2026-06-01"), effective_on=d("2026-07-01"))
    db.session.commit()
    assert daily(d("2026-07-01")) == DailyEffects(took_effect=1, expired=1)
    db.session.commit()
    after_first = row_counts()
    states = {doc.title: (doc.status, doc.ended_on) for doc in (old, ending, new)}
    assert states == {
        OLD: (DocStatus.AMENDED, d("2026-07-01")),
        "测试镇渔业管理办法": (DocStatus.EXPIRED, d("2026-07-01")),
        NEW: (DocStatus.IN_FORCE, None),
    }
    for again in (at(d("2026-07-01"), 0, 10), at(d("2026-07-01"), 16), at(d("2026-07-02"), 0, 10)):
        assert publication.apply_daily_effects(now=again) == DailyEffects(0, 0)
        db.session.commit()
    assert row_counts() == after_first
    db.session.expire_all()
    assert {doc.title: (doc.status, doc.ended_on) for doc in (old, ending, new)} == states
    assert in_force(d("2026-06-30")) == [OLD, "测试镇渔业管理办法"]
    assert in_force(d("2026-07-01")) == [NEW]


def test_take_effect_by_hand_twice_is_refused_the_second_time(db, world):
    """take_effect is a transition: the second call finds the document already in force and changes nothing."""
    doc = in_force_since(world, OLD, d("2026-04-03"))
    before = row_counts()
    with pytest.raises(InvalidTransition):
        publication.take_effect(doc, actor=SYSTEM, now=at(d("2026-04-04")))
    assert doc.status is DocStatus.IN_FORCE
    assert row_counts() == before
