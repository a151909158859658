"""docs/ stays in step with the code: every rule code, setting, model, state and action is documented, and every
citation of docs/ in the code points at a file and section that exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import tracker.models
from tracker.workflow.transitions import BY_NAME, TRANSITIONS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
RULES = (DOCS / "rules.md").read_text(encoding="utf-8")
GLOSSARY = (DOCS / "glossary.md").read_text(encoding="utf-8")
CITING = ("tracker", "templates", "tests", "bench", "scripts", "migrations")
TEXT_SUFFIXES = {".py", ".html", ".md", ".txt", ".ini", ".toml", ".cfg", ".sh", ".mako"}


def _sources():
    yield ROOT / "README.md"
    yield ROOT / "config.py"
    for folder in CITING:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in TEXT_SUFFIXES and "__pycache__" not in path.parts:
                yield path


def _calls(name: str):
    """Every call of `name(...)` in tracker/, found by reading the source (the module may move between packages)."""
    for path in sorted((ROOT / "tracker").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name:
                yield node


def _rule_codes() -> list[str]:
    return [call.args[0].value for call in _calls("RuleDefault") if call.args]


def _setting_keys() -> list[str]:
    keys = []
    for path in sorted((ROOT / "tracker").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            target = getattr(node, "target", None) or (node.targets[0] if isinstance(node, ast.Assign) else None)
            if getattr(target, "id", None) == "DEFAULT_SETTINGS" and isinstance(node.value, ast.Dict):
                keys += [k.value for k in node.value.keys]
    return keys


def test_the_rule_set_is_found():
    # The tests below would pass on nothing if the defaults moved out of reach of the source scan.
    assert "filing_deadline" in _rule_codes() and len(_rule_codes()) >= 15
    assert "opinion_number_pattern" in _setting_keys()


@pytest.mark.parametrize("code", _rule_codes())
def test_every_rule_code_is_in_rules_md(code):
    assert f"`{code}`" in RULES, f"docs/rules.md §3 does not list the rule {code}"


@pytest.mark.parametrize("key", _setting_keys())
def test_every_setting_is_in_rules_md(key):
    assert f"`{key}`" in RULES, f"docs/rules.md §3 does not list the setting {key}"


@pytest.mark.parametrize("name", sorted(tracker.models.__all__))
def test_every_model_is_in_the_glossary(name):
    assert f"`{name}`" in GLOSSARY or f"`{name}." in GLOSSARY, f"docs/glossary.md does not name {name}"


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_every_action_is_in_the_glossary(name):
    assert f"`{name}`" in GLOSSARY, f"docs/glossary.md does not name the action {name}"


def test_every_document_state_is_in_the_glossary():
    states = {type(t.target) for t in TRANSITIONS}
    missing = [s.value for enum in states for s in enum if f"`{s.value}`" not in GLOSSARY]
    assert missing == []


def test_rules_md_has_the_ten_sections_in_order():
    numbers = [int(n) for n in re.findall(r"^## §(\d+) ", RULES, flags=re.MULTILINE)]
    assert numbers == list(range(1, 11))


def test_citations_of_docs_point_at_what_exists():
    sections = set(re.findall(r"^## (§\d+) ", RULES, flags=re.MULTILINE))
    wrong = []
    for path in _sources():
        text = path.read_text(encoding="utf-8", errors="replace")
        for lineno, line in enumerate(text.splitlines(), 1):
            where = f"{path.relative_to(ROOT)}:{lineno}"
            wrong += [
                f"{where}: no docs/{doc}"
                for doc in re.findall(r"docs/([\w-]+\.md)", line)
                if not (DOCS / doc).is_file()
            ]
            wrong += [
                f"{where}: no {s} in docs/rules.md"
                for s in re.findall(r"docs/rules\.md (§\d+)", line)
                if s not in sections
            ]
    assert wrong == []


def test_nothing_cites_files_outside_the_project():
    # Built from pieces so that this file does not match itself.
    outside = re.compile("|".join([r"DOMAIN" + r"\.md", r"HOUSE" + r"\.md", r"\.\./" + "shared"]))
    found = [
        f"{path.relative_to(ROOT)}:{lineno}"
        for path in _sources()
        for lineno, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if outside.search(line)
    ]
    assert found == []
