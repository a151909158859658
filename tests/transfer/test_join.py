"""A town that ran its own install joins the city's: `flask towns export` there, `flask towns import` here."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import sqlalchemy as sa

from config import TestConfig
from tests.transfer.conftest import add_bureau_reviewer, build_city
from tracker import create_app
from tracker.alerts.models import Alert
from tracker.alerts.scan import scan
from tracker.audit.chain import verify as verify_chain
from tracker.audit.models import AuditEvent
from tracker.auth.models import Town, User
from tracker.common.numbering import NumberCounter, next_serial
from tracker.common.timeutil import now_utc, office_today
from tracker.demo import DEMO_PASSWORD, load_demo
from tracker.documents.models import Document, DocumentVersion
from tracker.extensions import db as _db
from tracker.files.models import StoredFile
from tracker.filing.bureau import accept
from tracker.filing.models import Filing, FilingAttempt
from tracker.publication.models import Publication
from tracker.rules.models import Rule
from tracker.rules.ruleset import DEFAULT_SETTINGS, get_setting, set_setting
from tracker.transfer import plan


def invoke(instance, args: list[str]):
    with instance.app_context():
        return instance.test_cli_runner().invoke(args=args)


def test_a_town_moves_with_its_numbers_files_and_audit_trail(demo, exported, target):
    with demo.app_context():
        town = _db.session.scalar(sa.select(Town).where(Town.name == "沙溪镇"))
        numbers = sorted(
            _db.session.execute(
                sa.select(Publication.issue_number, Publication.normative_number)
                .join(Document, Document.id == Publication.document_id)
                .where(Document.town_id == town.id)
            ).all()
        )
        with _db.engine.connect() as conn:
            before = plan.census(conn, town.id)
        counters = {(c.scope, c.year): c.last_value for c in _db.session.scalars(sa.select(NumberCounter))}
        neighbours = {
            c.scope for c in _db.session.scalars(sa.select(NumberCounter)) if c.scope.startswith("issue:岐府")
        }
        old_id = town.id
    with target.app_context():
        build_city()
    result = invoke(target, ["towns", "import", str(exported)])
    assert result.exit_code == 0, result.output
    assert "已导入沙溪镇" in result.output
    assert "审计链完整" in result.output
    # What stays behind is named: the demo town's own pre-check rule is the old install's.
    assert "原系统的预审规则未带来" in result.output and "以取消待遇作惩戒" in result.output
    with target.app_context():
        joined = _db.session.scalar(sa.select(Town).where(Town.name == "沙溪镇"))
        assert joined.parent.name == "中山市"
        with _db.engine.connect() as conn:
            after = plan.census(conn, joined.id)
            # Everything that left arrived, and the import's own event beside the town's trail.
            assert after.pop("audit_events")["rows"] == before.pop("audit_events")["rows"] + 1
            assert after == before
            assert verify_chain(conn).ok
        assert numbers == sorted(
            _db.session.execute(
                sa.select(Publication.issue_number, Publication.normative_number)
                .join(Document, Document.id == Publication.document_id)
                .where(Document.town_id == joined.id)
            ).all()
        )
        # The town's series go on where they stopped; another town's series of the old install stayed there.
        carried = {(c.scope, c.year): c.last_value for c in _db.session.scalars(sa.select(NumberCounter))}
        own = {
            (f"opinion:{joined.id}", year): value
            for (scope, year), value in counters.items()
            if scope == f"opinion:{old_id}"
        }
        assert own and own.items() <= carried.items()
        assert neighbours and not neighbours & {scope for scope, _ in carried}
        year, last = max(own)[1], own[max(own)]
        assert next_serial(f"opinion:{joined.id}", year) == last + 1
        _db.session.rollback()
        folder = Path(target.config["UPLOAD_DIR"])
        files = _db.session.scalars(sa.select(StoredFile)).all()
        assert files
        for stored in files:
            data = (folder / stored.storage_name[:2] / stored.storage_name).read_bytes()
            assert hashlib.sha256(data).hexdigest() == stored.sha256


def _sign_in(instance, username: str):
    client = instance.test_client()
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, username
    return client


def test_the_towns_people_work_on_in_the_city_install(demo, exported, target):
    with target.app_context():
        build_city()
    assert invoke(target, ["towns", "import", str(exported)]).exit_code == 0
    with target.app_context():
        joined = _db.session.scalar(sa.select(Town).where(Town.name == "沙溪镇"))
        version = _db.session.scalars(
            sa.select(DocumentVersion).join(Document).where(Document.town_id == joined.id).order_by(DocumentVersion.id)
        ).first()
        doc_id, version_id, title = version.document_id, version.id, version.document.title
        expected = version.file.sha256
        other_town = _db.session.scalar(sa.select(Town).where(Town.name == "港口镇"))
        # Each alert of the town still names its own record: the morning scan finds nothing to add or close.
        open_before = _db.session.scalar(
            sa.select(sa.func.count()).select_from(Alert).where(Alert.town_id == joined.id)
        )
        now = now_utc()
        result = scan(today=office_today(now), now=now)
        _db.session.commit()
        assert (result.created, result.resolved) == (0, 0)
        assert open_before == _db.session.scalar(
            sa.select(sa.func.count()).select_from(Alert).where(Alert.town_id == joined.id)
        )
        filed_here = _db.session.scalar(
            sa.select(sa.func.count())
            .select_from(FilingAttempt)
            .join(Filing)
            .join(Document)
            .where(Document.town_id == joined.id, FilingAttempt.in_product.is_(True))
        )
        assert other_town is not None and filed_here > 0
    clerk = _sign_in(target, "clerk")  # the old password works: the hash moved with the person
    page = clerk.get(f"/documents/{doc_id}")
    assert page.status_code == 200 and title in page.get_data(as_text=True)
    download = clerk.get(f"/documents/{doc_id}/versions/{version_id}/download")
    assert download.status_code == 200 and hashlib.sha256(download.data).hexdigest() == expected
    # The city's bureau sees the town's submissions at its desk, as it did in the old install.
    desk = _sign_in(target, "bureau").get("/bureau/")
    assert desk.status_code == 200 and "沙溪镇" in desk.get_data(as_text=True)


def _counts(instance) -> dict[str, int]:
    with instance.app_context():
        return {
            t.name: _db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in _db.metadata.sorted_tables
        }


def _files(instance) -> list[Path]:
    folder = Path(instance.config["UPLOAD_DIR"])
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_a_dry_run_checks_everything_and_writes_nothing(demo, exported, target):
    with target.app_context():
        build_city()
    before, files = _counts(target), _files(target)
    result = invoke(target, ["towns", "import", str(exported), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "试导入通过" in result.output and "规范性文件\t24" in result.output
    assert _counts(target) == before
    assert _files(target) == files
    assert list(Path(target.config["UPLOAD_DIR"]).iterdir()) == []  # no staging folder left either


def test_a_second_import_is_refused_and_a_new_name_is_taken(demo, exported, target):
    with target.app_context():
        build_city()
    assert invoke(target, ["towns", "import", str(exported)]).exit_code == 0
    again = invoke(target, ["towns", "import", str(exported)])
    assert again.exit_code != 0 and "已有“沙溪镇”" in again.output
    # Under another name the town's usernames and numbers are all taken: each clash is named, nothing written.
    before = _counts(target)
    renamed = invoke(target, ["towns", "import", str(exported), "--name", "沙溪镇（二）"])
    assert renamed.exit_code != 0
    assert "用户名“clerk”" in renamed.output and "发文字号" in renamed.output
    assert _counts(target) == before


def _bureau_accepts_a_submission(demo) -> None:
    """The city's reviewer takes in one of 沙溪镇's pending submissions: a record of the town now names them."""
    with demo.app_context():
        attempt = _db.session.scalars(
            sa.select(FilingAttempt)
            .join(Filing)
            .join(Document)
            .join(Town, Town.id == Document.town_id)
            .where(Town.name == "沙溪镇", FilingAttempt.in_product.is_(True), FilingAttempt.accepted_on.is_(None))
            .where(FilingAttempt.result.is_(None))
        ).first()
        bureau = _db.session.scalar(sa.select(User).where(User.username == "bureau"))
        now = now_utc()
        accept(attempt.filing.document, attempt, actor=bureau, now=now, accepted_on=office_today(now))
        _db.session.commit()


def _export(demo, tmp_path) -> Path:
    out = tmp_path / "again"
    out.mkdir()
    result = demo.test_cli_runner().invoke(args=["towns", "export", "--town", "沙溪镇", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return next(out.glob("*.tar.gz"))


def test_the_city_must_know_the_bureaus_reviewer_first(demo, target, tmp_path):
    _bureau_accepts_a_submission(demo)
    archive = _export(demo, tmp_path)
    with target.app_context():
        build_city(bureau_user=False)
    before = _counts(target)
    result = invoke(target, ["towns", "import", str(archive)])
    assert result.exit_code != 0
    assert "用户名“bureau”" in result.output and "孙备案" in result.output
    assert _counts(target) == before and _files(target) == []
    with target.app_context():
        add_bureau_reviewer()  # the city adds its reviewer's account: now the town goes in
    assert invoke(target, ["towns", "import", str(archive)]).exit_code == 0
    with target.app_context():
        reviewers = _db.session.scalars(
            sa.select(User.username).join(FilingAttempt, FilingAttempt.reviewer_id == User.id).distinct()
        ).all()
        assert reviewers == ["bureau"]


def test_a_username_of_another_town_is_not_taken_for_the_same_person(demo, target, tmp_path):
    _bureau_accepts_a_submission(demo)
    exported = _export(demo, tmp_path)
    with target.app_context():
        build_city()
        other = _db.session.scalar(sa.select(Town).where(Town.name == "港口镇"))
        bureau = _db.session.scalar(sa.select(User).where(User.username == "bureau"))
        bureau.town_id = other.id
        _db.session.commit()
    result = invoke(target, ["towns", "import", str(exported)])
    assert result.exit_code != 0 and "另一镇街已有用户名“bureau”" in result.output


def _rewrite(path: Path, change) -> None:
    with tarfile.open(path, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar]
    with tarfile.open(path, "w:gz") as tar:
        for member, data in members:
            data = change(member.name, data)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


def test_a_changed_archive_is_refused_whole(demo, exported, target):
    with target.app_context():
        build_city()

    def forge(name: str, data: bytes) -> bytes:
        return data.replace("沙府".encode(), "港府".encode()) if name == "tables/publications.jsonl" else data

    _rewrite(exported, forge)
    before = _counts(target)
    result = invoke(target, ["towns", "import", str(exported)])
    assert result.exit_code != 0 and "校验和与清单不符" in result.output
    assert _counts(target) == before and _files(target) == []


def test_an_archive_of_another_schema_is_refused(demo, exported, target, monkeypatch):
    with target.app_context():
        build_city()
    monkeypatch.setattr("tracker.transfer.importer.schema_revision", lambda connection: "0099_future")
    result = invoke(target, ["towns", "import", str(exported)])
    assert result.exit_code != 0 and "数据库版本" in result.output and "0099_future" in result.output


def test_a_failure_after_writing_rolls_everything_back(demo, exported, target, monkeypatch):
    with target.app_context():
        build_city()
    before = _counts(target)
    real = plan.census

    def short_by_one(connection, town_id):
        found = real(connection, town_id)
        found["documents"] = {**found["documents"], "rows": found["documents"]["rows"] - 1}
        return found

    monkeypatch.setattr(plan, "census", short_by_one)
    result = invoke(target, ["towns", "import", str(exported)])
    assert result.exit_code != 0 and "导入后核对不符" in result.output and "规范性文件应为 24 条" in result.output
    assert _counts(target) == before
    assert _files(target) == []  # the files placed before the check are gone again


def test_the_export_names_the_towns_to_choose_from(demo, tmp_path):
    result = demo.test_cli_runner().invoke(args=["towns", "export", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "请用 --town 指明" in result.output and "沙溪镇" in result.output
    unknown = demo.test_cli_runner().invoke(args=["towns", "export", "--town", "无此镇", "--out", str(tmp_path)])
    assert unknown.exit_code != 0 and "没有名为“无此镇”的镇街" in unknown.output
    assert list(tmp_path.glob("*.tar.gz")) == []


def test_the_export_refuses_a_broken_audit_chain(demo, tmp_path):
    with demo.app_context():
        event = _db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.chain_seq).limit(1))
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            conn.execute(sa.text("UPDATE audit_events SET summary = 'changed' WHERE id = :id"), {"id": event.id})
    result = demo.test_cli_runner().invoke(args=["towns", "export", "--town", "沙溪镇", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "审计链断裂" in result.output and "未导出" in result.output
    assert list(tmp_path.glob("*.tar.gz*")) == []


def test_the_old_installs_own_settings_become_the_towns_and_different_time_limits_are_named(demo, target, tmp_path):
    with demo.app_context():
        set_setting("opinion_number_pattern", "沙司规审〔{year}〕{seq}号", now=now_utc())  # the install's own value
        rule = _db.session.scalar(sa.select(Rule).order_by(Rule.code).limit(1))
        rule.value += 5
        name, changed = rule.name, rule.value
        _db.session.commit()
    archive = _export(demo, tmp_path)
    with target.app_context():
        build_city()
    result = invoke(target, ["towns", "import", str(archive)])
    assert result.exit_code == 0, result.output
    assert "沿用原系统的设置（作为该镇街自己的设置）：审查意见书编号格式" in result.output
    assert f"时限规则“{name}”原为 {changed}" in result.output
    with target.app_context():
        joined = _db.session.scalar(sa.select(Town).where(Town.name == "沙溪镇"))
        other = _db.session.scalar(sa.select(Town).where(Town.name == "港口镇"))
        assert get_setting("opinion_number_pattern", town_id=joined.id) == "沙司规审〔{year}〕{seq}号"
        assert get_setting("opinion_number_pattern", town_id=other.id) == DEFAULT_SETTINGS["opinion_number_pattern"][0]


def test_a_town_on_the_embedded_database_joins_a_city_on_the_suites(target, tmp_path):
    """The usual move: a town ran on SQLite, the city runs PostgreSQL (in the PostgreSQL run of the suite)."""
    town = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'town.sqlite3'}", UPLOAD_DIR=str(tmp_path / "up")
    )
    with town.app_context():
        _db.create_all()
        load_demo(now=now_utc())
        _db.session.commit()
        with _db.engine.connect() as conn:
            left = plan.census(conn, _db.session.scalar(sa.select(Town.id).where(Town.name == "大涌镇")))
    result = invoke(town, ["towns", "export", "--town", "大涌镇", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    with town.app_context():
        _db.engine.dispose()
    with target.app_context():
        build_city()
    imported = invoke(target, ["towns", "import", str(next(tmp_path.glob("town-*.tar.gz")))])
    assert imported.exit_code == 0, imported.output
    with target.app_context():
        joined = _db.session.scalar(sa.select(Town.id).where(Town.name == "大涌镇"))
        with _db.engine.connect() as conn:
            arrived = plan.census(conn, joined)
    assert arrived.pop("audit_events")["rows"] == left.pop("audit_events")["rows"] + 1
    assert arrived == left and left["documents"]["rows"] > 0


def test_rows_the_database_refuses_are_reported_and_nothing_is_written(demo, exported, target):
    """An archive consistent with its own manifest but whose rows do not fit (written by hand, or by something
    else): the import says so in one line and leaves the city as it was."""
    with target.app_context():
        build_city()

    def forge(name: str, data: bytes) -> bytes:
        if name == "tables/documents.jsonl":
            return data.replace(b'"status":"', b'"status":"x', 1)  # a status no document can have
        return data

    _rewrite(exported, forge)
    members = _members(exported)
    manifest = json.loads(members["manifest.json"])
    data = members["tables/documents.jsonl"]
    manifest["members"]["tables/documents.jsonl"] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    _rewrite(exported, lambda name, raw: json.dumps(manifest).encode() if name == "manifest.json" else raw)
    before = _counts(target)
    result = invoke(target, ["towns", "import", str(exported)])
    assert result.exit_code != 0 and "无法写入本系统" in result.output and "Traceback" not in result.output
    assert _counts(target) == before and _files(target) == []


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar}
