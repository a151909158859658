"""Imports point down: kernel -> domains -> composition (docs/architecture.md).

Every `import tracker...` in tracker/, at module level or inside a function, is checked against the floor list
below: a module may import its own package and the packages listed before it, never one listed after it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "tracker"

# Lowest first. A name is a package (tracker/<name>/) or a module (tracker/<name>.py).
KERNEL = ("db", "tenancy", "extensions", "errors", "common", "files", "audit", "auth", "rules", "word", "setup")
DOMAINS = ("documents", "workflow", "review", "publication", "filing", "cleanup", "solicitations")
COMPOSITION = (
    "alerts",
    "register",
    "reports",
    # The public library reads every domain's published records.
    "public",
    # The city's pages read every town's figures (reports) and the documents in force (public).
    "city",
    # The Word pages gather every domain's output, the annual statistics of reports and the city's (outputs/kinds.py).
    "outputs",
    "api",
    "nav",
    "main",
    "backup",
    # Moving a town between installs reads every table of the schema.
    "transfer",
    "scheduler",
    "demo",
    "cli",
    "models",
    "__init__",
)
FLOORS = KERNEL + DOMAINS + COMPOSITION
RANK = {name: i for i, name in enumerate(FLOORS)}

# (importer, imported) pairs allowed against the order, each with its reason. Keep this list short.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("publication", "filing"): "publishing opens the filing obligation of that publication in the same transaction"
    " (docs/rules.md §5: the filing deadline runs from publication); filing never imports publication services",
}


def _room(module: str) -> str:
    """tracker.review.services -> review; tracker -> __init__."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _runtime_nodes(tree: ast.AST):
    """Every node except those under `if TYPE_CHECKING:` (annotations only: nothing is imported at run time)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and getattr(child.test, "id", None) == "TYPE_CHECKING":
                stack.extend(child.orelse)
                continue
            stack.append(child)


def _imports(path: Path):
    module = _module_name(path)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "tracker" or target.startswith("tracker."):
                # `from tracker.review import guards` names a submodule; `from tracker.review.models import X` not
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    yield node.lineno, sub if sub in MODULES else target
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("tracker."):
                    yield node.lineno, alias.name


def _all_modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


MODULES = frozenset(_module_name(p) for p in _all_modules())


def test_every_room_has_a_floor():
    rooms = {_room(_module_name(p)) for p in _all_modules()}
    assert rooms - set(RANK) == set(), "add the new package to a floor in this test and in docs/architecture.md"


def test_imports_point_down():
    upward = []
    for path in _all_modules():
        importer = _room(_module_name(path))
        for lineno, target in _imports(path):
            imported = _room(target)
            if imported == importer or imported not in RANK:
                continue
            pair = (importer, imported)
            if RANK[imported] > RANK[importer] and pair not in EXCEPTIONS:
                upward.append(f"{path.relative_to(ROOT)}:{lineno} ({importer}) imports {target} ({imported})")
    assert upward == [], "imports that point up a floor:\n" + "\n".join(upward)


def test_no_import_cycle_between_modules():
    graph: dict[str, set[str]] = {}
    for path in _all_modules():
        graph.setdefault(_module_name(path), set()).update(t for _, t in _imports(path))
    known = set(graph)
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, trail: list[str]) -> bool:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            # `from tracker.x import name` may name a module or an attribute of the package
            if nxt not in known:
                continue
            if state.get(nxt) == 1:
                cycle.extend(trail[trail.index(nxt) :] + [nxt] if nxt in trail else [node, nxt])
                return True
            if state.get(nxt) is None and visit(nxt, trail + [nxt]):
                return True
        state[node] = 2
        return False

    for start in sorted(graph):
        if state.get(start) is None and visit(start, [start]):
            break
    assert cycle == [], "import cycle: " + " -> ".join(cycle)


@pytest.mark.parametrize("name", ["EXCEPTIONS"])
def test_exceptions_are_few_and_explained(name):
    assert len(EXCEPTIONS) <= 5
    assert all(reason.strip() for reason in EXCEPTIONS.values())
