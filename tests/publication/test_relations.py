"""Relations between documents name nothing a drafting unit may not see: another unit's draft is not said to exist."""

from __future__ import annotations

import sqlalchemy as sa

from tests.factories import d, draft, in_force
from tests.pages import flashes, text
from tracker.documents.models import DocumentRelation

SECRET = "测试镇执法局尚未公开的草案"


def _relations() -> int:
    from tracker.extensions import db

    return db.session.scalar(sa.select(sa.func.count()).select_from(DocumentRelation))


def test_another_units_draft_as_target_is_refused_without_its_title(db, world, login_as):
    secret = draft(world, SECRET, d("2026-09-01"))  # 执法局's draft
    own = draft(world, "测试镇农业办的新草案", d("2026-09-02"), drafter="drafter2")
    db.session.commit()
    agri = login_as("drafter2")
    url = f"/publication/documents/{own.id}/relations"

    refused = agri.post(url, data={"target_id": secret.id, "kind": "repeals"})
    missing = agri.post(url, data={"target_id": 999999, "kind": "repeals"})
    for r in (refused, missing):
        assert r.status_code == 200 and flashes(r) == ["所选文件不存在。"]
        assert SECRET not in text(r) and secret.status.label not in flashes(r)[0]
    assert _relations() == 0
    # The page's own list offers published documents only.
    assert SECRET not in text(agri.get(url))


def test_a_published_document_does_not_name_the_draft_that_will_repeal_it(db, world, login_as):
    old = in_force(world, "测试镇旧的管理办法", d("2026-01-05"), d("2026-03-02"), d("2026-04-01"), drafter="drafter2")
    secret = draft(world, SECRET, d("2026-09-01"))
    db.session.commit()
    r = login_as("drafter").post(
        f"/publication/documents/{secret.id}/relations", data={"target_id": old.id, "kind": "repeals"}
    )
    assert r.status_code == 302 and _relations() == 1

    # 农业办 reads its own published document: the relation and its timeline do not name 执法局's draft.
    page = text(login_as("drafter2").get(f"/documents/{old.id}"))
    assert SECRET not in page
    assert "将被新登记的文件废止" in page
    # Those who may read the draft see it named.
    assert SECRET in text(login_as("clerk").get(f"/documents/{old.id}"))
