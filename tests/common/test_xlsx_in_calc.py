"""The streamed register sheet opens in LibreOffice Calc: the demo town's register, downloaded by the clerk, converted
to CSV by `soffice --headless` and read back (the header row, then one row per document).

openpyxl reading the sheet back (tests/register/test_export.py) proves little about the XML the streaming writer
makes by hand; Calc is the spreadsheet a town office opens it with. Conversion is slow, hence `slow`. CI installs
libreoffice-calc-nogui (.ci/run); a skip there is a failure.
"""

from __future__ import annotations

import csv
import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import _truncate_all
from tracker.auth.models import User
from tracker.common.timeutil import now_utc
from tracker.demo import DEMO_PASSWORD, load_demo
from tracker.documents.models import Document
from tracker.register import export
from tracker.word import pdf

pytestmark = pytest.mark.slow

# comma, double quote, UTF-8 (76), from the first line
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1"
CALC_LIBRARIES = ("libsclo.so", "libsclo.dylib", "sclo.dll")  # Calc's core, beside the soffice executable


def find_calc() -> str | None:
    """soffice, when its installation has Calc (Debian's libreoffice-writer-nogui alone cannot open a sheet)."""
    soffice = pdf.find_soffice()
    if soffice is None:
        return None
    program = Path(soffice).resolve().parent
    return soffice if any((program / name).exists() for name in CALC_LIBRARIES) else None


def sheet_to_csv(soffice: str, sheet: Path, workdir: Path) -> Path:
    profile = workdir / "profile"
    profile.mkdir()
    outdir = workdir / "csv"
    command = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        CSV_FILTER,
        "--outdir",
        str(outdir),
        str(sheet),
    ]
    done = subprocess.run(
        command,
        env={**os.environ, "HOME": str(profile)},
        capture_output=True,
        timeout=pdf.DEFAULT_TIMEOUT,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    out = outdir / (sheet.stem + ".csv")
    assert out.exists(), (
        f"LibreOffice made no CSV: {done.stdout.decode(errors='replace')}{done.stderr.decode(errors='replace')}"
    )
    return out


def test_the_register_sheet_opens_in_calc_with_a_row_per_document(app, db, tmp_path):
    soffice = find_calc()
    if soffice is None:
        pytest.skip("LibreOffice Calc (soffice) not installed; .ci/run installs libreoffice-calc-nogui")
    _truncate_all()
    load_demo(now=now_utc())
    db.session.commit()
    clerk_town = db.session.scalar(sa.select(User.town_id).where(User.username == "clerk"))
    titles = Counter(db.session.scalars(sa.select(Document.title).where(Document.town_id == clerk_town)))
    assert "沙溪镇出租屋安全管理规定" in titles

    clerk = app.test_client()
    assert clerk.post("/login", data={"username": "clerk", "password": DEMO_PASSWORD}).status_code == 302
    response = clerk.get("/documents/export.xlsx")
    assert response.status_code == 200
    sheet = tmp_path / "register.xlsx"
    sheet.write_bytes(response.get_data())

    with sheet_to_csv(soffice, sheet, tmp_path).open(encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    assert header == [c.header for c in export.REGISTER_COLUMNS]
    assert all(len(row) == len(header) for row in rows)
    title = header.index("文件名称")
    assert Counter(row[title] for row in rows) == titles  # one row per document of the clerk's town
