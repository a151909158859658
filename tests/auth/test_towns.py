"""Towns as tenants: a town's request reads only its town (tracker/tenancy.py), enforced once for every read."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.auth.conftest import OTHER_TITLE
from tests.factories import PASSWORD, make_document
from tracker import tenancy
from tracker.auth import towns
from tracker.auth.models import Role, Unit, User
from tracker.auth.permissions import may
from tracker.auth.services import create_user
from tracker.documents.models import Document
from tracker.documents.queries import status_counts
from tracker.errors import ValidationFailed
from tracker.extensions import db as _db
from tracker.rules.ruleset import get_setting, set_setting


def test_each_record_takes_its_town(two_towns):
    world, neighbour, other, own = two_towns
    assert other.town_id == neighbour.id and own.town_id == world.town.id
    assert world.users["lin_drafter"].town_id == neighbour.id


def test_a_document_must_be_issued_in_its_own_town(two_towns, now):
    world, _neighbour, _other, _own = two_towns
    with pytest.raises(ValidationFailed):
        make_document(world, now, title="测试镇越界管理办法", issuer=world.units["lin_gov"])


def test_a_town_lists_only_its_documents_and_finds_no_other(app: Flask, two_towns, login_as):
    world, _neighbour, other, own = two_towns
    clerk = login_as("clerk")
    page = clerk.get("/documents/").get_data(as_text=True)
    assert own.title in page and OTHER_TITLE not in page
    assert clerk.get(f"/documents/{own.id}").status_code == 200
    assert clerk.get(f"/documents/{other.id}").status_code == 404
    assert clerk.get(f"/documents/?q={OTHER_TITLE[:4]}").get_data(as_text=True).count(OTHER_TITLE) == 0
    neighbour = login_as("lin_clerk")
    page = neighbour.get("/documents/").get_data(as_text=True)
    assert OTHER_TITLE in page and own.title not in page
    assert neighbour.get(f"/documents/{own.id}").status_code == 404


def test_a_forged_post_on_another_towns_document_changes_nothing(app: Flask, two_towns, login_as):
    _world, _neighbour, other, _own = two_towns
    version = other.version_id
    r = login_as("clerk").post(f"/documents/{other.id}/edit", data={"title": "改掉邻镇的文件"})
    assert r.status_code in (403, 404)
    _db.session.expire_all()
    assert _db.session.get(Document, other.id).title == OTHER_TITLE and other.version_id == version


def test_an_administrator_sees_and_manages_only_the_people_of_the_town(app: Flask, two_towns, login_as):
    world, _neighbour, _other, _own = two_towns
    admin = login_as("admin")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "lin_clerk" not in page and "clerk" in page
    lin = world.users["lin_drafter"]
    assert admin.get(f"/admin/users/{world['clerk'].id}").status_code == 200
    assert admin.get(f"/admin/users/{lin.id}").status_code == 404
    assert admin.get(f"/admin/units/{world.units['office'].id}").status_code == 200
    assert admin.get(f"/admin/units/{lin.unit_id}").status_code == 404
    units = admin.get("/admin/units").get_data(as_text=True)
    assert "邻镇人民政府" not in units


def test_session_get_refuses_a_row_of_another_town_even_when_loaded(app: Flask, two_towns):
    world, neighbour, other, own = two_towns
    assert _db.session.get(Document, other.id) is not None  # unscoped (a command, a job): every town
    with app.test_request_context("/"):
        tenancy.enter(world.town.id, (world.town.id, world.town.parent_id))
        assert _db.session.get(Document, other.id) is None  # in the session's identity map all the same
        assert _db.session.get(Document, own.id) is own
        # Column reads, counts and joins are scoped as well.
        titles = set(_db.session.scalars(sa.select(Document.title)))
        assert OTHER_TITLE not in titles and own.title in titles
        count = _db.session.scalar(sa.select(sa.func.count()).select_from(Document).join(Unit, Document.drafting_unit))
        assert count == len(titles)
        # Units: the town's and the city's (the bureau), never the neighbour's.
        kinds = {u.town_id for u in _db.session.scalars(sa.select(Unit))}
        assert kinds == {world.town.id, world.town.parent_id}
        # A statement may say it reads every town.
        every = _db.session.scalars(sa.select(Document.id).execution_options(all_towns=True)).all()
        assert other.id in every


def test_may_refuses_another_towns_record(two_towns):
    world, _neighbour, other, own = two_towns
    for username in ("clerk", "admin", "leader"):
        assert may(world[username], "document.view", own)
        assert not may(world[username], "document.view", other)
    assert may(world.users["lin_drafter"], "document.view", other)


def test_remembered_figures_are_each_towns_own(app: Flask, two_towns):
    world, neighbour, other, own = two_towns
    lin_clerk = _db.session.scalar(sa.select(User).where(User.username == "lin_clerk"))
    with app.test_request_context("/"):
        towns.enter(world["clerk"])
        mine = status_counts(world["clerk"])
    with app.test_request_context("/"):
        towns.enter(lin_clerk)
        theirs = status_counts(lin_clerk)
    total = _db.session.scalar(sa.select(sa.func.count()).select_from(Document))
    assert sum(n for _, n in mine) + sum(n for _, n in theirs) == total
    assert sum(n for _, n in theirs) == 1


def test_a_setting_saved_by_a_town_is_that_towns_own(app: Flask, two_towns, now):
    world, neighbour, _other, _own = two_towns
    default = get_setting("opinion_number_pattern")
    with app.test_request_context("/"):
        towns.enter(world.users["lin_drafter"])
        set_setting("opinion_number_pattern", "邻司审〔{year}〕{seq}号", now=now)
        assert get_setting("opinion_number_pattern") == "邻司审〔{year}〕{seq}号"
    assert get_setting("opinion_number_pattern") == default  # the install's value is unchanged
    assert get_setting("opinion_number_pattern", town_id=world.town.id) == default
    assert get_setting("opinion_number_pattern", town_id=neighbour.id) == "邻司审〔{year}〕{seq}号"


def test_usernames_stay_unique_across_towns(app: Flask, two_towns, now):
    world, _neighbour, _other, _own = two_towns
    with app.test_request_context("/"):
        towns.enter(world["admin"])
        with pytest.raises(ValidationFailed, match="已被使用"):
            create_user(
                actor=world["admin"],
                now=now,
                username="lin_clerk",
                display_name="重名",
                role=Role.CLERK,
                unit_id=world.units["office"].id,
                password=PASSWORD,
            )


def test_an_administrator_cannot_put_a_person_in_another_towns_unit(two_towns, now):
    world, _neighbour, _other, _own = two_towns
    with pytest.raises(ValidationFailed):
        create_user(
            actor=world["admin"],
            now=now,
            username="newcomer",
            display_name="新人",
            role=Role.CLERK,
            unit_id=world.units["lin_gov"].id,
            password=PASSWORD,
        )


def test_towns_commands(app: Flask, world):
    runner = app.test_cli_runner()
    added = runner.invoke(args=["towns", "add", "新设街道", "--kind", "street"])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(args=["towns", "list"])
    lines = listed.output.strip().splitlines()
    assert lines[0].split("\t")[1:] == ["市", "中山市"]
    assert "\t街道\t新设街道\t中山市" in listed.output and "\t镇\t测试镇\t中山市" in listed.output
    assert len(lines) == 3
    again = runner.invoke(args=["towns", "add", "新设街道"])
    assert again.exit_code != 0 and "已存在" in again.output
    renamed = runner.invoke(args=["towns", "rename", "新设街道", "新城街道"])
    assert renamed.exit_code == 0 and "新城街道" in runner.invoke(args=["towns", "list"]).output
    # With two towns, an administrator needs --town.
    create = runner.invoke(
        args=["users", "create-admin", "boss", "--name", "主任", "--unit", "办公室"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert create.exit_code != 0 and "--town" in create.output
    create = runner.invoke(
        args=["users", "create-admin", "boss", "--name", "主任", "--unit", "办公室", "--town", "新城街道"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert create.exit_code == 0, create.output
    boss = _db.session.scalar(sa.select(User).where(User.username == "boss"))
    assert boss.town.name == "新城街道" and boss.unit.town_id == boss.town_id


def test_the_registers_count_is_the_towns_and_follows_every_write(app: Flask, two_towns, login_as, now):
    world, _neighbour, _other, _own = two_towns
    clerk = login_as("clerk")

    def total() -> str:
        page = clerk.get("/documents/").get_data(as_text=True)
        return page.split('data-testid="register-total">', 1)[1].split("</p>", 1)[0]

    mine = _db.session.scalar(sa.select(sa.func.count()).select_from(Document).where(Document.town_id == world.town.id))
    assert total() == f"共 {mine} 件"  # the neighbour's document is not counted
    assert total() == f"共 {mine} 件"  # (the second time remembered)
    make_document(world, now, title="测试镇新登记管理办法")
    _db.session.commit()
    assert total() == f"共 {mine + 1} 件"  # a write: counted afresh


def test_one_cached_statement_reads_each_town_its_own_rows(app: Flask, two_towns):
    """The town criteria's short cache key (tenancy._TownCriteria): the same statement, compiled once per town and
    taken from SQLAlchemy's cache after that, still binds each town's own id."""
    world, neighbour, other, own = two_towns
    lin_clerk = _db.session.scalar(sa.select(User).where(User.username == "lin_clerk"))
    # A statement built the same way every time (one cache entry per town), with a part joined to its document.
    stmt = lambda: sa.select(Document.title).order_by(Document.id)  # noqa: E731
    seen = {}
    for _ in range(3):  # the second and third rounds read the compiled statements from the cache
        for user in (world["clerk"], lin_clerk):
            with app.test_request_context("/"):
                towns.enter(user)
                seen.setdefault(user.username, set()).update(_db.session.scalars(stmt()))
                scope = tenancy.current()
                key = stmt().options(*tenancy._criteria(scope, parts=True))._generate_cache_key()
                seen.setdefault(("key", user.username), set()).add(key.key)
    assert seen["lin_clerk"] == {OTHER_TITLE}
    assert OTHER_TITLE not in seen["clerk"] and own.title in seen["clerk"]
    # The key is the same on every round for one town, and differs between the towns.
    assert len(seen[("key", "clerk")]) == len(seen[("key", "lin_clerk")]) == 1
    assert seen[("key", "clerk")] != seen[("key", "lin_clerk")]


def test_each_town_has_rows_of_its_own(app: Flask, two_towns, login_as):
    """The register's remembered rows are the town's: the neighbour's clerk, asking the same page with nothing
    written in between (both log in first), gets the neighbour's rows."""
    world, _neighbour, other, own = two_towns
    clerk, lin_clerk = login_as("clerk"), login_as("lin_clerk")
    mine = clerk.get("/documents/").get_data(as_text=True)
    assert own.title in mine and OTHER_TITLE not in mine
    theirs = lin_clerk.get("/documents/").get_data(as_text=True)
    assert OTHER_TITLE in theirs and own.title not in theirs
