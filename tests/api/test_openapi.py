"""/api/v1/openapi.json: valid OpenAPI 3.1, every route described, real answers matching the described schemas."""

from __future__ import annotations

import re

import jsonschema
import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from tests.alerts.lifecycle import seed_alerts
from tests.api import town
from tests.api.town import bearer, create_token
from tests.conftest import FIXED_NOW
from tracker.extensions import db

PREFIX = "/api/v1"


@pytest.fixture(autouse=True)
def pinned_clock(clock):
    return clock


@pytest.fixture
def spec(world, login_as, client) -> dict:
    r = client.get(f"{PREFIX}/openapi.json", headers=bearer(create_token(login_as("reviewer"))))
    assert r.status_code == 200 and r.is_json
    return r.get_json()


def test_the_description_is_valid_openapi_3_1(spec):
    assert spec["openapi"] == "3.1.0"
    validate(spec, cls=OpenAPIV31SpecValidator)  # raises on any error
    assert spec["servers"] == [{"url": PREFIX}]
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}


def _template(rule: str) -> str:
    """/api/v1/documents/<int:doc_id> -> /documents/{}: parameter names may differ, positions may not."""
    return re.sub(r"<(?:[^:>]+:)?[^>]+>", "{}", rule.removeprefix(PREFIX))


def test_every_api_route_is_described(app, spec):
    routes = {
        (_template(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX + "/") and rule.endpoint != "api.openapi"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    described = {(re.sub(r"\{[^}]+\}", "{}", path), method) for path, item in spec["paths"].items() for method in item}
    assert routes == described
    assert routes == {
        ("/documents", "get"),
        ("/documents/{}", "get"),
        ("/deadlines", "get"),
        ("/statistics/{}", "get"),
    }
    # A path parameter is declared for every {…} of its path.
    for path, item in spec["paths"].items():
        for op in item.values():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"\{([^}]+)\}", path)), path


def _schema(spec: dict, path: str, status: int) -> dict:
    """The described response schema, made self-contained so that its #/components/… references resolve."""
    schema = spec["paths"][path]["get"]["responses"][str(status)]["content"]["application/json"]["schema"]
    return {**schema, "components": spec["components"]}


def _real_calls(world, login_as, app) -> list[tuple[str, str, int, object]]:
    """(described path, real url, status, body) for every described answer the town can produce."""
    ids = town.build(world)
    seed_alerts(world, FIXED_NOW)
    db.session.commit()
    calls = []
    for who, path, url in (
        ("clerk", "/documents", "/documents?per_page=5"),
        ("drafter", "/documents", "/documents?status=bogus"),
        ("drafter", "/documents/{id}", f"/documents/{ids['own_in_force']}"),
        ("drafter", "/documents/{id}", f"/documents/{ids['own_draft']}"),
        ("drafter", "/documents/{id}", f"/documents/{ids['other_draft']}"),
        ("drafter", "/documents/{id}", "/documents/999999"),
        ("clerk", "/deadlines", "/deadlines"),
        ("leader", "/statistics/{year}", "/statistics/2026"),
        ("drafter", "/statistics/{year}", "/statistics/2026"),
    ):
        r = app.test_client().get(PREFIX + url, headers=bearer(create_token(login_as(who))))
        calls.append((path, url, r.status_code, r.get_json()))
    r = app.test_client().get(PREFIX + "/deadlines")
    calls.append(("/deadlines", "/deadlines (no token)", r.status_code, r.get_json()))
    return calls


def test_real_answers_match_the_described_schemas(db, world, login_as, app, spec):
    calls = _real_calls(world, login_as, app)
    assert [(url, status) for _, url, status, _ in calls] == [
        ("/documents?per_page=5", 200),
        ("/documents?status=bogus", 400),
        (calls[2][1], 200),
        (calls[3][1], 200),
        (calls[4][1], 403),
        ("/documents/999999", 404),
        ("/deadlines", 200),
        ("/statistics/2026", 200),
        ("/statistics/2026", 403),
        ("/deadlines (no token)", 401),
    ]
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    for path, _, status, body in calls:
        schema = _schema(spec, path, status)
        jsonschema.validate(body, schema, cls=jsonschema.Draft202012Validator, format_checker=checker)
    # The answers were not trivially empty. The clerk's deadlines: the seeded f2 and f4, and the filings of the town's
    # three publications, never submitted (their alerts were made when they were published, without a scan).
    assert len(calls[0][3]["items"]) == 5
    assert sorted(i["kind"] for i in calls[6][3]["items"]) == ["filing_due"] * 5


def _undescribed(instance, schema: dict, spec: dict, where: str = "$") -> list[str]:
    """Keys of the answer that the description does not name (where it names an object's properties)."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    out = []
    if isinstance(instance, dict) and "properties" in schema:
        for key, value in instance.items():
            if key not in schema["properties"]:
                out.append(f"{where}.{key}")
            else:
                out += _undescribed(value, schema["properties"][key], spec, f"{where}.{key}")
    elif isinstance(instance, list) and "items" in schema:
        for n, value in enumerate(instance[:1]):
            out += _undescribed(value, schema["items"], spec, f"{where}[{n}]")
    return out


def test_every_field_of_a_real_answer_is_described(db, world, login_as, app, spec):
    """An integrator reads the description, not the code: what the API returns is named there."""
    missing = {}
    for path, url, status, body in _real_calls(world, login_as, app):
        schema = spec["paths"][path]["get"]["responses"][str(status)]["content"]["application/json"]["schema"]
        if found := _undescribed(body, schema, spec):
            missing[url] = found
    assert missing == {}
