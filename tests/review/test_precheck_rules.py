"""The administrator's pre-check rules (issue #18 item 3): a default switched off flags nothing and on again flags
as before; a rule added by words flags a clause with its point and explanation; bad input is refused in Chinese
beside the form with what was typed kept; only the administrator may; a stale edit and deleting a default are
refused; every change is audited."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from tests.pages import hidden_value, redirect_target, text
from tracker.audit.models import AuditEvent
from tracker.documents.structure import parse
from tracker.errors import ConcurrentEdit, PermissionDenied, ValidationFailed
from tracker.review import precheck_rules as rules
from tracker.review.models import PrecheckRuleSetting
from tracker.review.precheck import precheck

URL = "/admin/precheck-rules/"
PENALTY_CLAUSE = ["第一条 为了管理，制定本办法。", "第二条 违反本办法的，处200元罚款。"]
DEPOSIT_CLAUSE = ["第一条 为了管理，制定本办法。", "第二条 商户进场经营的，应当缴纳风险金。"]

ADD = {
    "new-code": "deposit",
    "new-point": "5",
    "new-label": "收取押金或风险金",
    "new-explanation": "条款向商户收取押金、风险金，须有收费依据。",
    "new-words": "押金、风险金，保证金",
    "new-pattern": "",
    "new-unless_basis": "y",
    "new-source": "本镇审查标准第三条",
}


def _rule(code: str):
    return next(r for r in rules.rules_in_force() if r.code == code)


def _flags(clauses: list[str], code: str):
    return [f for f in precheck(parse(clauses), rules.rules_in_force()) if f.rule == code]


def _events(db, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _rows(db) -> list[tuple]:
    stmt = sa.select(PrecheckRuleSetting).order_by(PrecheckRuleSetting.code)
    return [(r.code, r.builtin, r.active, r.pattern, r.version_id) for r in db.session.scalars(stmt)]


def _said(response, where: str) -> str:
    """The refusal said beside the form `where` (templates/_macros/forms.html refusal_message)."""
    m = re.search(rf'id="refusal-{where}"[^>]*>(.*?)</p>', text(response), re.S)
    assert m, f"no refusal beside {where} (status {response.status_code})"
    return html.unescape(m.group(1)).strip()


def _row_html(page: str, code: str) -> str:
    return re.search(rf'<tr id="rule-{code}".*?</tr>', page, re.S).group(0)


def _add(db, world, clock, **changes):
    values = {
        "code": "deposit",
        "point": 5,
        "label": "收取押金",
        "explanation": "条款收取押金。",
        "words": "押金",
        "pattern": "",
        "unless_basis": False,
        "needs_private_subject": False,
        "source": "",
        **changes,
    }
    row = rules.add_rule(**values, actor=world["admin"], now=clock.at)
    db.session.commit()
    return row


# --- switching a default ---------------------------------------------------------------------------------------


def test_a_default_switched_off_flags_nothing_and_on_again_flags_as_before(db, world, clock, login_as):
    c = login_as("admin")
    assert [f.words for f in _flags(PENALTY_CLAUSE, "penalty")] == [("罚款",)]

    r = c.post(URL + "penalty/switch", data={"active": "off"})
    assert redirect_target(r)[0] == URL
    assert _rule("penalty").active is False
    assert _flags(PENALTY_CLAUSE, "penalty") == []
    assert 'data-active="off"' in _row_html(text(c.get(URL)), "penalty")

    r = c.post(URL + "penalty/switch", data={"active": "on"})
    assert redirect_target(r)[0] == URL
    assert _rule("penalty").active is True
    assert [f.words for f in _flags(PENALTY_CLAUSE, "penalty")] == [("罚款",)]

    events = _events(db, "precheck_rule.switch")
    assert [(e.before, e.after, e.actor_id) for e in events] == [
        ({"code": "penalty", "active": True}, {"code": "penalty", "active": False}, world["admin"].id),
        ({"code": "penalty", "active": False}, {"code": "penalty", "active": True}, world["admin"].id),
    ]
    assert all(e.occurred_at == clock.at for e in events)
    # The default's row holds only the switch: the rule itself still comes from the code.
    assert _rule("penalty").pattern.startswith("罚款|没收")


def test_switching_to_the_state_a_rule_is_in_changes_and_records_nothing(db, world, clock):
    assert rules.set_active("penalty", True, actor=world["admin"], now=clock.at) is False
    assert _rows(db) == [] and _events(db, "precheck_rule.switch") == []


def test_an_office_rule_can_be_switched_off_and_on_too(db, world, clock):
    _add(db, world, clock)
    assert len(_flags(DEPOSIT_CLAUSE + ["第三条 业主应当交纳押金。"], "deposit")) == 1
    rules.set_active("deposit", False, actor=world["admin"], now=clock.at)
    assert _flags(["第一条 业主应当交纳押金。"], "deposit") == []
    rules.set_active("deposit", True, actor=world["admin"], now=clock.at)
    assert len(_flags(["第一条 业主应当交纳押金。"], "deposit")) == 1


# --- adding a rule ---------------------------------------------------------------------------------------------


def test_a_rule_added_by_words_flags_a_clause_with_its_point_and_explanation(db, world, clock, login_as):
    c = login_as("admin")
    r = c.post(URL + "add", data=ADD)
    assert redirect_target(r)[0] == URL

    flags = _flags(DEPOSIT_CLAUSE, "deposit")
    assert [(f.ref, f.point, f.label, f.words, f.why) for f in flags] == [
        ("第二条第一款", 5, "收取押金或风险金", ("风险金",), "条款向商户收取押金、风险金，须有收费依据。")
    ]
    # unless_basis: the same words with a legal basis are harmless.
    assert _flags(["第一条 依照《广东省某某条例》缴纳保证金。"], "deposit") == []
    row = db.session.scalar(sa.select(PrecheckRuleSetting).where(PrecheckRuleSetting.code == "deposit"))
    assert (row.builtin, row.active, row.unless_basis, row.needs_private_subject) == (False, True, True, False)
    assert rules.words_of(row.pattern) == ["风险金", "保证金", "押金"]  # the longest first

    page = text(c.get(URL))
    line = _row_html(page, "deposit")
    assert "词语：风险金、保证金、押金" in html.unescape(line) and "本单位添加" in line and "引用了依据" in line
    assert "第 5 点" in line and "是否违法设定许可、处罚、强制、收费等事项" in line

    (event,) = _events(db, "precheck_rule.add")
    assert event.after["code"] == "deposit" and event.after["point"] == 5 and event.actor_id == world["admin"].id


def test_words_are_matched_as_typed_not_as_a_pattern(db, world, clock):
    _add(db, world, clock, code="plus", words="1+1 a.b")
    assert [f.words for f in _flags(["第一条 甲1+1乙。"], "plus")] == [("1+1",)]
    assert _flags(["第一条 甲11乙，axb。"], "plus") == []


def test_an_advanced_pattern_is_used_as_a_regular_expression(db, world, clock):
    _add(db, world, clock, code="fine_amount", words="", pattern=r"\d+元")
    assert [f.words for f in _flags(PENALTY_CLAUSE, "fine_amount")] == [("200元",)]
    assert rules.words_of(_rule("fine_amount").pattern) is None


REFUSED = [
    ({"new-words": "", "new-pattern": "(押金"}, "匹配式不是有效的正则表达式：第 1 个字符附近缺少右括号"),
    ({"new-words": "", "new-pattern": "[押金"}, "方括号“[”没有闭合"),
    ({"new-words": "", "new-pattern": "押金|"}, "匹配式可以匹配空白内容"),
    ({"new-words": "", "new-pattern": "(?=押金)"}, "匹配式可以匹配空白内容"),
    ({"new-words": "", "new-pattern": "押*"}, "匹配式可以匹配空白内容"),
    ({"new-words": "", "new-pattern": "押" * 501}, "匹配式不能超过 500 个字符"),
    ({"new-code": "penalty"}, "代码“penalty”已是一条默认规则的代码"),
    ({"new-code": "Bad-Code"}, "代码须为 2 至 40 个小写英文字母、数字或下划线"),
    ({"new-pattern": "押金"}, "“词语”和“匹配式”只填一项"),
    ({"new-words": "、 ，"}, "请填写要查找的词语"),
    ({"new-label": ""}, "请填写规则名称"),
    ({"new-explanation": "说" * 1001}, "说明不能超过 1000 字"),
    ({"new-point": "10"}, ""),  # a forged choice: WTForms' own message (Chinese)
]


@pytest.mark.parametrize(("changes", "message"), REFUSED, ids=lambda v: str(v)[:30])
def test_bad_input_is_refused_beside_the_form_in_chinese_with_the_input_kept(
    db, world, clock, login_as, changes, message
):
    c = login_as("admin")
    typed = {**ADD, **changes}
    r = c.post(URL + "add", data=typed)
    assert r.status_code == 400
    said = _said(r, "add")
    assert message in said and re.search(r"[\u4e00-\u9fff]", said)
    page = html.unescape(text(r))
    assert f'value="{typed["new-label"]}"' in page and f'value="{typed["new-code"]}"' in page
    if typed["new-pattern"]:
        assert f'value="{typed["new-pattern"]}"' in page
    assert typed["new-explanation"] in page
    assert _rows(db) == [] and _events(db, "precheck_rule.add") == []


def test_a_second_rule_with_the_same_code_is_refused(db, world, clock, login_as):
    _add(db, world, clock)
    r = login_as("admin").post(URL + "add", data={**ADD, "new-label": "另一条"})
    assert r.status_code == 400 and "代码“deposit”已有规则使用" in _said(r, "add")
    assert 'value="另一条"' in text(r)
    assert len(_rows(db)) == 1


# --- editing and deleting ---------------------------------------------------------------------------------------


def test_the_edit_page_shows_the_words_and_an_edit_is_saved_and_audited(db, world, clock, login_as):
    _add(db, world, clock, words="押金、保证金")
    c = login_as("admin")
    page = c.get(URL + "deposit/edit")
    assert page.status_code == 200 and re.search(r">\s*保证金、押金</textarea>", text(page))
    version = hidden_value(page, "version_id")
    data = {
        "version_id": version,
        "point": "6",
        "label": "收取风险金",
        "explanation": "条款要求缴纳风险金。",
        "words": "",
        "pattern": r"风险金|抵押金",
        "needs_private_subject": "y",
        "source": "",
    }
    r = c.post(URL + "deposit/save", data=data)
    assert redirect_target(r)[0] == URL
    rule = _rule("deposit")
    assert (rule.point, rule.label, rule.pattern, rule.unless_basis, rule.needs_private_subject) == (
        6,
        "收取风险金",
        "风险金|抵押金",
        False,
        True,
    )
    (event,) = _events(db, "precheck_rule.edit")
    assert event.before["pattern"] == "保证金|押金" and event.after["pattern"] == "风险金|抵押金"
    assert event.before["point"] == 5 and event.after["point"] == 6


def test_an_edit_from_a_stale_page_is_refused_and_keeps_what_was_typed(db, world, clock, login_as):
    _add(db, world, clock)
    c = login_as("admin")
    stale = hidden_value(c.get(URL + "deposit/edit"), "version_id")
    # Meanwhile someone else changes the rule.
    rules.edit_rule(
        "deposit",
        point=5,
        label="他人改过的名称",
        explanation="条款收取押金。",
        words="押金",
        pattern="",
        unless_basis=False,
        needs_private_subject=False,
        source="",
        expected_version=int(stale),
        actor=world["admin"],
        now=clock.at,
    )
    db.session.commit()
    data = {"version_id": stale, "point": "5", "label": "我的名称", "explanation": "我的说明", "words": "押金"}
    r = c.post(URL + "deposit/save", data=data)
    assert r.status_code == 409
    assert "已被他人修改" in _said(r, "edit")
    assert 'value="我的名称"' in text(r)
    db.session.expire_all()
    assert _rule("deposit").label == "他人改过的名称"
    assert len(_events(db, "precheck_rule.edit")) == 1

    with pytest.raises(ConcurrentEdit):
        rules.edit_rule(
            "deposit",
            point=5,
            label="x",
            explanation="y",
            words="押金",
            pattern="",
            unless_basis=False,
            needs_private_subject=False,
            source="",
            expected_version=int(stale),
            actor=world["admin"],
            now=clock.at,
        )


def test_a_default_can_neither_be_deleted_nor_edited_only_switched(db, world, clock, login_as):
    c = login_as("admin")
    r = c.post(URL + "penalty/delete")
    assert r.status_code == 400
    assert _said(r, "rule-penalty") == "默认规则不能删除，只能停用。"
    assert _rule("penalty").active is True and _rows(db) == []
    r = c.get(URL + "penalty/edit")
    assert r.status_code == 400 and "默认规则不能修改或删除，只能停用或启用" in text(r)
    assert 'href="/admin/precheck-rules/penalty/edit"' not in text(c.get(URL))
    with pytest.raises(ValidationFailed):
        rules.edit_rule(
            "penalty",
            point=5,
            label="x",
            explanation="y",
            words="罚",
            pattern="",
            unless_basis=False,
            needs_private_subject=False,
            source="",
            expected_version=1,
            actor=world["admin"],
            now=clock.at,
        )
    assert _events(db, "precheck_rule.delete") == [] and _events(db, "precheck_rule.edit") == []


def test_an_office_rule_is_deleted_and_the_deletion_audited(db, world, clock, login_as):
    _add(db, world, clock)
    c = login_as("admin")
    assert 'data-testid="delete-rule"' in text(c.get(URL + "deposit/edit"))
    r = c.post(URL + "deposit/delete")
    assert redirect_target(r)[0] == URL
    assert "deposit" not in {r.code for r in rules.rules_in_force()} and _rows(db) == []
    (event,) = _events(db, "precheck_rule.delete")
    assert event.before["code"] == "deposit" and event.before["pattern"] == "押金"
    # Gone: a second delete names no rule, said at the top of the page.
    r = c.post(URL + "deposit/delete")
    assert r.status_code == 404 and "没有这条预检规则" in text(r)


# --- who may ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["reviewer", "clerk", "drafter", "leader"])
def test_only_the_administrator_may_see_or_change_the_rules(db, world, clock, login_as, username):
    _add(db, world, clock)
    before = _rows(db)
    c = login_as(username)
    assert c.get(URL).status_code == 403
    assert c.get(URL + "deposit/edit").status_code == 403
    assert c.post(URL + "add", data={**ADD, "new-code": "other"}).status_code == 403
    assert c.post(URL + "penalty/switch", data={"active": "off"}).status_code == 403
    assert c.post(URL + "deposit/switch", data={"active": "off"}).status_code == 403
    assert c.post(URL + "deposit/save", data={"version_id": "1", "label": "x"}).status_code == 403
    assert c.post(URL + "deposit/delete").status_code == 403
    assert _rows(db) == before
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action.like("precheck_rule.%"))) == 1
    assert 'data-testid="nav-precheck-rules"' not in text(c.get("/"))
    with pytest.raises(PermissionDenied):
        rules.set_active("penalty", False, actor=world[username], now=clock.at)


def test_the_administrators_menu_names_the_page(db, world, login_as):
    page = text(login_as("admin").get("/"))
    assert 'data-testid="nav-precheck-rules"' in page and f'href="{URL}"' in page


# --- the words and patterns themselves ---------------------------------------------------------------------------


def test_words_are_split_on_chinese_and_latin_separators_and_read_back():
    assert rules.split_words("押金、保证金，风险金,抵押金 滞纳金\u3000押金") == [
        "押金",
        "保证金",
        "风险金",
        "抵押金",
        "滞纳金",
    ]
    pattern = rules.words_pattern(["a.b", "押金", "(x)"])
    assert re.fullmatch(pattern, "a.b") and not re.fullmatch(pattern, "axb")
    assert rules.words_of(pattern) == ["a.b", "(x)", "押金"]
    assert rules.words_of(r"\d+元") is None and rules.words_of("") is None


def test_a_pattern_that_compiles_and_cannot_match_empty_text_is_kept():
    assert rules.check_pattern("  收取[^，。；]{0,10}押金 ") == "收取[^，。；]{0,10}押金"
    for bad in ("", "a?", r"\b", "^"):
        with pytest.raises(ValidationFailed):
            rules.check_pattern(bad)


HOSTILE = ("长" + "x" * 5000, "\u202e\u200f规则\u202c", "../penalty", "PENALTY", "a", "9" * 20, "%00")


def test_hostile_codes_and_fields_get_a_chinese_answer_never_a_500(db, world, clock, login_as):
    c = login_as("admin")
    for code in HOSTILE:
        for method, action, data in (
            ("GET", "edit", None),
            ("POST", "switch", {"active": "off"}),
            ("POST", "save", {"version_id": "1", "label": "x", "explanation": "y", "words": "押金"}),
            ("POST", "delete", {}),
        ):
            r = c.open(f"{URL}{quote(code, safe='')}/{action}", method=method, data=data)
            assert r.status_code in (400, 404), (code, action, r.status_code)
            assert re.search(r"[\u4e00-\u9fff]{4}", text(r))
    for field in ("new-code", "new-label", "new-words", "new-pattern", "new-point", "new-source"):
        for value in HOSTILE:
            r = c.post(URL + "add", data={**ADD, field: value})
            assert r.status_code in (302, 400), (field, value, r.status_code)
            if r.status_code == 400:
                assert re.search(r"[\u4e00-\u9fff]", _said(r, "add"))
    assert _rows(db)  # some of these were good input: the page still lists every rule
    assert c.get(URL).status_code == 200
