"""What a newcomer meets first (issue 14): the README's command table, the demo logins, the favicon."""

from __future__ import annotations

import re
from pathlib import Path

from tests.pages import text

ROOT = Path(__file__).resolve().parent.parent


_USE = re.compile(r"(?:\$\(FLASK\)|\$FLASK)\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)")


def _flask_commands(source: str) -> set[str]:
    """`flask --app wsgi X Y` as a Makefile ($(FLASK)) or a script ($FLASK) runs it: the command words."""
    return {m.group(1) for m in _USE.finditer(source)}


def test_the_readme_command_table_lists_every_command_make_uses():
    used = _flask_commands((ROOT / "Makefile").read_text()) | _flask_commands((ROOT / "scripts/run-dev.sh").read_text())
    assert {"db upgrade", "setup", "demo load-if-empty", "scheduler run", "demo logins"} <= used
    readme = (ROOT / "README.md").read_text()
    table = re.search(r"## Command line\n(.*?)\n\n", readme, re.S).group(1)
    listed = [span.split() for span in re.findall(r"`flask --app wsgi ([^`]+)`", table)]
    missing = {c for c in used if not any(words[: len(c.split())] == c.split() for words in listed)}
    assert missing == set(), f"commands of make run / make test missing from the README: {missing}"


def test_make_run_prints_the_demo_logins_once(app, db):
    """load-if-empty (make run) stays quiet about logins: scripts/run-dev.sh prints them once the server is up."""
    result = app.test_cli_runner().invoke(args=["demo", "load-if-empty"])
    assert result.exit_code == 0
    assert "演示登录" not in result.output
    script = (ROOT / "scripts/run-dev.sh").read_text()
    assert script.count("demo logins") == 1
    makefile = (ROOT / "Makefile").read_text()
    assert "demo logins" not in makefile


def test_every_page_names_a_favicon_that_is_served(world, login_as, client):
    for page in (client.get("/login"), login_as("clerk").get("/")):
        m = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', text(page))
        assert m, "no favicon link"
        icon = client.get(m.group(1))
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
        assert b"<svg" in icon.get_data()
