"""Test data builders: real records through the services, with explicit dates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tracker.auth.models import Role, Unit, UnitKind, User
from tracker.auth.permissions import SYSTEM
from tracker.auth.services import create_user
from tracker.documents.models import DocKind, Document
from tracker.documents.services import DocumentData, register_draft
from tracker.extensions import db

PASSWORD = "Test-pass-2026"


@dataclass
class World:
    units: dict[str, Unit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def __getitem__(self, username: str) -> User:
        return self.users[username]


def build_world(now: datetime) -> World:
    w = World()
    for key, name, kind, issue, draft, prefix in (
        ("gov", "测试镇人民政府", UnitKind.GOVERNMENT, True, False, "测府"),
        ("office", "测试镇党政办公室", UnitKind.DEPARTMENT, False, True, None),
        ("judicial", "测试镇司法所", UnitKind.JUDICIAL_OFFICE, False, False, None),
        ("enforcement", "测试镇综合行政执法局", UnitKind.DEPARTMENT, False, True, None),
        ("agri", "测试镇农业农村办公室", UnitKind.DEPARTMENT, False, True, None),
        ("city", "中山市司法局", UnitKind.FILING_AUTHORITY, False, False, None),
    ):
        w.units[key] = Unit(
            name=name, kind=kind, can_issue=issue, can_draft=draft, number_prefix=prefix, created_at=now
        )
        db.session.add(w.units[key])
    db.session.flush()
    for username, role, unit in (
        ("admin", Role.ADMIN, "office"),
        ("reviewer", Role.REVIEWER, "judicial"),
        ("clerk", Role.CLERK, "office"),
        ("drafter", Role.DRAFTER, "enforcement"),
        ("drafter2", Role.DRAFTER, "agri"),
        ("leader", Role.LEADER, "gov"),
    ):
        w.users[username] = create_user(
            actor=SYSTEM,
            now=now,
            username=username,
            display_name=username,
            role=role,
            unit_id=w.units[unit].id,
            password=PASSWORD,
        )
    return w


def make_document(
    w: World, now: datetime, *, title: str = "测试镇某某管理办法", drafter: str = "drafter", **kw
) -> Document:
    user = w[drafter]
    data = DocumentData(
        title=title, kind=DocKind.GOVERNMENT, issuer_id=w.units["gov"].id, drafting_unit_id=user.unit_id, **kw
    )
    return register_draft(data, actor=user, now=now)
