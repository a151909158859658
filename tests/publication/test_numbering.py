"""发文字号 and 规范性文件编号 (三统一): consecutive per issuer and year, also when two clerks number at once; numbers
typed by hand for documents issued before the system.

Patterns (rule set defaults): 发文字号 "{prefix}〔{year}〕{seq}号" with 测试镇人民政府's prefix 测府, 规范性文件编号
"{prefix}规字〔{year}〕{seq}号" (one 规 series per issuer: 测府规字, 测府办规字). Every expected number below is written
out by hand.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.cleanup.town import gov_office
from tests.factories import at, d, deliberated, number, numbered
from tests.publication.steps import counters, row_counts
from tests.threads import race_ok
from tracker.auth.models import User
from tracker.documents.models import Document
from tracker.documents.states import DocStatus
from tracker.errors import ValidationFailed
from tracker.extensions import db as _db
from tracker.publication import services as publication
from tracker.publication.models import Publication

SIGNED = d("2026-10-21")  # a Wednesday; the two documents were deliberated on 2026-10-19


def _numbers(doc: Document) -> tuple[str, str]:
    pub = _db.session.scalar(
        sa.select(Publication).where(Publication.document_id == doc.id, Publication.is_current.is_(True))
    )
    return pub.issue_number, pub.normative_number


@pytest.mark.parametrize("earlier", [0, 1], ids=["first-numbers-of-the-year", "after-one-number"])
def test_two_clerks_numbering_at_the_same_moment_get_consecutive_numbers(app, db, world, earlier):
    """earlier=0: both counters are created by the race; earlier=1: both increment an existing counter."""
    if earlier:
        numbered(world, "测试镇先行管理办法", d("2026-10-20"))
    docs = [deliberated(world, title, d("2026-10-05")).id for title in ("测试镇甲管理办法", "测试镇乙管理办法")]
    clerk_id = world["clerk"].id
    db.session.commit()
    db.session.close()  # the test's own connection holds nothing while the threads run

    def number(i: int, barrier) -> tuple[str, str, int, int]:
        doc = _db.session.get(Document, docs[i])
        clerk = _db.session.get(User, clerk_id)
        barrier.wait()
        pub = publication.number_document(doc, actor=clerk, now=at(SIGNED, 10), signed_on=SIGNED, signer="镇长")
        _db.session.commit()
        return pub.issue_number, pub.normative_number, pub.issue_seq, pub.normative_seq

    got = race_ok(app, number)
    if earlier:
        assert sorted(g[0] for g in got) == ["测府〔2026〕2号", "测府〔2026〕3号"]
        assert sorted(g[1] for g in got) == ["测府规字〔2026〕2号", "测府规字〔2026〕3号"]
    else:
        assert sorted(g[0] for g in got) == ["测府〔2026〕1号", "测府〔2026〕2号"]
        assert sorted(g[1] for g in got) == ["测府规字〔2026〕1号", "测府规字〔2026〕2号"]
    # What the database holds: every serial once, no gap, both documents numbered, the counters at the last one.
    rows = db.session.execute(sa.select(Publication.issue_seq, Publication.normative_seq)).all()
    assert sorted(r.issue_seq for r in rows) == [1, 2] + ([3] if earlier else [])
    assert sorted(r.normative_seq for r in rows) == [1, 2] + ([3] if earlier else [])
    statuses = db.session.scalars(sa.select(Document.status).where(Document.id.in_(docs))).all()
    assert statuses == [DocStatus.NUMBERED, DocStatus.NUMBERED]
    last = 3 if earlier else 2
    assert counters() == {("issue:测府", 2026): last, ("normative:测府规字", 2026): last}


def test_a_rolled_back_numbering_gives_its_number_back(db, world):
    """A failed request (rolled back) leaves no gap: the next numbering takes the same serial."""
    doc = deliberated(world, "测试镇甲管理办法", d("2026-10-05"))
    db.session.commit()
    number(world, doc, SIGNED)
    assert _numbers(doc) == ("测府〔2026〕1号", "测府规字〔2026〕1号")
    db.session.rollback()
    doc = db.session.get(Document, doc.id)
    assert doc.status is DocStatus.DELIBERATED
    assert counters() == {}
    number(world, doc, SIGNED)
    assert _numbers(doc) == ("测府〔2026〕1号", "测府规字〔2026〕1号")


def test_the_serial_restarts_at_one_in_a_new_year(db, world):
    a = numbered(world, "测试镇甲管理办法", d("2025-12-29"))
    b = numbered(world, "测试镇乙管理办法", d("2025-12-31"))
    c = numbered(world, "测试镇丙管理办法", d("2026-01-05"))
    e = numbered(world, "测试镇丁管理办法", d("2026-01-06"))
    assert _numbers(a) == ("测府〔2025〕1号", "测府规字〔2025〕1号")
    assert _numbers(b) == ("测府〔2025〕2号", "测府规字〔2025〕2号")
    assert _numbers(c) == ("测府〔2026〕1号", "测府规字〔2026〕1号")
    assert _numbers(e) == ("测府〔2026〕2号", "测府规字〔2026〕2号")


def test_each_issuer_has_its_own_issue_series_and_its_own_normative_series(db, world):
    """镇政府 and 镇政府办公室 keep separate 规 series (docs/rules.md §4): 测府规字 / 测府办规字."""
    office = gov_office(world)  # 测试镇人民政府办公室, prefix 测府办
    a = numbered(world, "测试镇甲管理办法", d("2026-10-19"))
    b = numbered(world, "测试镇乙管理办法", d("2026-10-20"), issuer=office)
    c = numbered(world, "测试镇丙管理办法", d("2026-10-21"))
    e = numbered(world, "测试镇丁管理办法", d("2026-10-22"), issuer=office)
    assert _numbers(a) == ("测府〔2026〕1号", "测府规字〔2026〕1号")
    assert _numbers(b) == ("测府办〔2026〕1号", "测府办规字〔2026〕1号")
    assert _numbers(c) == ("测府〔2026〕2号", "测府规字〔2026〕2号")
    assert _numbers(e) == ("测府办〔2026〕2号", "测府办规字〔2026〕2号")
    assert counters() == {
        ("issue:测府", 2026): 2,
        ("issue:测府办", 2026): 2,
        ("normative:测府规字", 2026): 2,
        ("normative:测府办规字", 2026): 2,
    }


def test_a_hand_number_is_normalised_and_moves_the_counter_past_it(db, world):
    first = numbered(world, "测试镇甲管理办法", d("2026-10-19"))
    assert _numbers(first) == ("测府〔2026〕1号", "测府规字〔2026〕1号")
    old = deliberated(world, "测试镇原有管理办法", d("2026-10-05"))
    pub = number(world, old, SIGNED, issue_number=" 测府[2026]5号 ", normative_number="测府规字[2026]3号")
    assert (pub.issue_number, pub.normative_number) == ("测府〔2026〕5号", "测府规字〔2026〕3号")
    assert (pub.issue_seq, pub.normative_seq) == (5, 3)
    assert pub.numbers_entered_by_hand is True
    assert old.status is DocStatus.NUMBERED
    assert counters() == {("issue:测府", 2026): 5, ("normative:测府规字", 2026): 3}
    nxt = numbered(world, "测试镇乙管理办法", d("2026-10-22"))
    assert _numbers(nxt) == ("测府〔2026〕6号", "测府规字〔2026〕4号")
    # A free number below the counter is accepted and never moves the counter back.
    older = deliberated(world, "测试镇更早管理办法", d("2026-10-05"))
    number(world, older, SIGNED, issue_number="测府〔2026〕3号", normative_number="测府规字〔2026〕2号")
    assert counters() == {("issue:测府", 2026): 6, ("normative:测府规字", 2026): 4}
    last = numbered(world, "测试镇丙管理办法", d("2026-10-23"))
    assert _numbers(last) == ("测府〔2026〕7号", "测府规字〔2026〕5号")


@pytest.mark.parametrize(
    ("issue", "normative", "message"),
    [
        ("测府〔2026〕1号", "测府规字〔2026〕9号", "发文字号“测府〔2026〕1号”已被其他文件使用。"),
        ("测府[2026]1号", "测府规字[2026]9号", "发文字号“测府〔2026〕1号”已被其他文件使用。"),
        ("测府〔2026〕9号", "测府规字〔2026〕1号", "规范性文件编号“测府规字〔2026〕1号”已被其他文件使用。"),
        ("测府〔2026〕9号", "测府规字[2026]1号", "规范性文件编号“测府规字〔2026〕1号”已被其他文件使用。"),
    ],
    ids=["issue", "issue-square-brackets", "normative", "normative-square-brackets"],
)
def test_a_hand_number_that_clashes_is_refused_and_nothing_is_written(db, world, issue, normative, message):
    numbered(world, "测试镇甲管理办法", d("2026-10-19"))  # holds 测府〔2026〕1号 and 测府规字〔2026〕1号
    old = deliberated(world, "测试镇原有管理办法", d("2026-10-05"))
    db.session.commit()
    before_rows, before_counters = row_counts(), counters()
    with pytest.raises(ValidationFailed) as exc:
        number(world, old, SIGNED, issue_number=issue, normative_number=normative)
    assert exc.value.message == message
    # Refused before any write: the session itself holds no change, not only the database after a rollback.
    assert old.status is DocStatus.DELIBERATED
    assert row_counts() == before_rows
    assert counters() == before_counters
    assert not db.session.new and not db.session.dirty


UNREADABLE = "{}“{}”无法识别：应写明年份和序号，如“沙府规字〔2024〕4号”（年份用六角括号〔〕）。"
NOT_OURS = "{label}“{number}”不属于测试镇人民政府的{label}序列（应如“{example}”），请核对。"


@pytest.mark.parametrize(
    ("issue", "normative", "message"),
    [
        ("测府2026年5号", "测府规字〔2026〕5号", UNREADABLE.format("发文字号", "测府2026年5号")),
        ("测府〔26〕5号", "测府规字〔2026〕5号", UNREADABLE.format("发文字号", "测府〔26〕5号")),
        (
            "沙府〔2026〕5号",
            "测府规字〔2026〕5号",
            NOT_OURS.format(label="发文字号", number="沙府〔2026〕5号", example="测府〔2026〕1号"),
        ),
        (
            "测府〔2026〕5号",
            "测府规〔2026〕5号",
            NOT_OURS.format(label="规范性文件编号", number="测府规〔2026〕5号", example="测府规字〔2026〕1号"),
        ),
    ],
    ids=["year-in-words", "two-digit-year", "other-issuers-prefix", "normative-prefix"],
)
def test_a_malformed_hand_number_is_refused_with_an_example(db, world, issue, normative, message):
    old = deliberated(world, "测试镇原有管理办法", d("2026-10-05"))
    db.session.commit()
    before_rows = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        number(world, old, SIGNED, issue_number=issue, normative_number=normative or None)
    assert exc.value.message == message
    assert old.status is DocStatus.DELIBERATED
    assert row_counts() == before_rows
    assert counters() == {}


def test_round_brackets_are_read_as_the_hexagonal_ones(db, world):
    old = deliberated(world, "测试镇原有管理办法", d("2026-10-05"))
    pub = number(world, old, SIGNED, issue_number="测府（2026）5号", normative_number="测府规字(2026)05号")
    assert (pub.issue_number, pub.normative_number) == ("测府〔2026〕5号", "测府规字〔2026〕5号")


def test_a_typed_issue_number_alone_gets_the_normative_number_allocated(db, world):
    """The 发文字号 comes from the OA system; the 规范性文件编号 is still this product's (docs/rules.md §4)."""
    numbered(world, "测试镇甲管理办法", d("2026-10-19"))  # 测府〔2026〕1号, 测府规字〔2026〕1号
    oa = deliberated(world, "测试镇乙管理办法", d("2026-10-05"))
    pub = number(world, oa, SIGNED, issue_number="测府〔2026〕37号")
    assert (pub.issue_number, pub.normative_number) == ("测府〔2026〕37号", "测府规字〔2026〕2号")
    assert pub.issue_number_typed is True and pub.numbers_entered_by_hand is False
    assert oa.status is DocStatus.NUMBERED
    # The OA number moves the 发文字号 counter past it; the 规 series goes on from where it was.
    assert counters() == {("issue:测府", 2026): 37, ("normative:测府规字", 2026): 2}


def test_a_typed_number_of_another_year_than_the_signing_is_refused_with_the_reason(db, world):
    old = deliberated(world, "测试镇原有管理办法", d("2026-10-05"))
    db.session.commit()
    before_rows = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        number(world, old, SIGNED, issue_number="测府〔2025〕8号")
    assert exc.value.message == (
        "发文字号“测府〔2025〕8号”的年份为 2025 年，签发日期为 2026 年10 月 21 日：编号按签发年度编排，"
        "两者须为同一年，请核对编号或签发日期。"
    )
    assert old.status is DocStatus.DELIBERATED and row_counts() == before_rows and counters() == {}


def test_an_issuer_pattern_set_on_the_admin_page_makes_its_own_series(db, world, now):
    """An issuer whose 规 prefix is not its 发文代字 + 规字 gets its own pattern, and its own counter."""
    from tracker.publication import series

    series.save_unit_patterns(
        world.units["gov"], actor=world["admin"], now=now, issue_pattern="", normative_pattern="测规〔{year}〕{seq}号"
    )
    doc = numbered(world, "测试镇甲管理办法", d("2026-10-19"))
    assert _numbers(doc) == ("测府〔2026〕1号", "测规〔2026〕1号")
    assert counters() == {("issue:测府", 2026): 1, ("normative:测规", 2026): 1}
