"""LibreOffice opens what we generate: an opinion and a filing report converted to PDF carry the key text.

CI installs libreoffice-writer-nogui, fonts-noto-cjk and poppler-utils (.ci/run); a skip there is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.word.steps import published, reviewed
from tracker.files.storage import path_of
from tracker.filing import word as filing_word
from tracker.review import word as review_word

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT, PDFINFO = shutil.which("pdftotext"), shutil.which("pdfinfo")
# LibreOffice starts slowly on a cold machine; two small documents take a few seconds once it runs.
TIMEOUT_SECONDS = 300

# The office's fonts are not on a Linux machine: map them to the Noto CJK faces (serif for 仿宋/宋/楷, sans for 黑体).
FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  {aliases}
</fontconfig>
"""
ALIASES = {
    "仿宋_GB2312": "Noto Serif CJK SC",
    "方正小标宋简体": "Noto Serif CJK SC",
    "宋体": "Noto Serif CJK SC",
    "楷体_GB2312": "Noto Serif CJK SC",
    "黑体": "Noto Sans CJK SC",
}


def convert_to_pdf(paths: list[Path], workdir: Path) -> list[Path]:
    profile = workdir / "lo-profile"
    conf = workdir / "fonts.conf"
    conf.write_text(
        FONTS_CONF.format(
            aliases="\n  ".join(
                f'<alias binding="same"><family>{a}</family><prefer><family>{b}</family></prefer></alias>'
                for a, b in ALIASES.items()
            )
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "HOME": str(workdir), "FONTCONFIG_FILE": str(conf)}
    # A private profile: parallel test workers must not share LibreOffice's user installation.
    command = [
        SOFFICE,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
        str(workdir),
        *map(str, paths),
    ]
    done = subprocess.run(command, env=env, capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
    pdfs = [workdir / (p.stem + ".pdf") for p in paths]
    missing = [p.name for p in pdfs if not p.exists()]
    assert not missing, f"soffice did not convert {missing}: {done.stdout!r} {done.stderr!r}"
    return pdfs


def pdf_text(pdf: Path) -> str:
    out = subprocess.run([PDFTOTEXT, str(pdf), "-"], capture_output=True, timeout=60, check=True).stdout
    # Lines wrap anywhere in Chinese text: compare without whitespace.
    return re.sub(r"\s+", "", out.decode("utf-8"))


def pdf_page_size(pdf: Path) -> str:
    out = subprocess.run([PDFINFO, str(pdf)], capture_output=True, timeout=60, check=True).stdout.decode()
    return re.search(r"Page size:\s+(.*)", out).group(1)


@pytest.mark.slow
def test_libreoffice_converts_an_opinion_and_a_filing_report_to_pdf(db, world, now, tmp_path):
    if not (SOFFICE and PDFTOTEXT and PDFINFO):
        pytest.skip("LibreOffice (soffice) or poppler-utils not installed; .ci/run installs them")
    walk = reviewed(world, now, title="测试镇占道经营管理规定")
    filed, pub = published(world, now, title="测试镇出租屋安全管理规定", gap_days=10)
    opinion = tmp_path / "opinion.docx"
    report = tmp_path / "report.docx"
    stored = review_word.generate_opinion(walk.opinion, actor=world["reviewer"], now=now)
    opinion.write_bytes(path_of(stored.file).read_bytes())
    stored = filing_word.generate_filing_report(filed.doc, actor=world["clerk"], now=now)
    report.write_bytes(path_of(stored.file).read_bytes())

    opinion_pdf, report_pdf = convert_to_pdf([opinion, report], tmp_path)

    text = pdf_text(opinion_pdf)
    for expected in (
        "规范性文件合法性审查意见书",
        "《测试镇占道经营管理规定》",
        walk.opinion.number,
        "基本合法，建议修改后出台",
    ):
        assert expected in text, expected
    assert "—1—" in text  # the page number field was computed
    text = pdf_text(report_pdf)
    for expected in (
        "关于《测试镇出租屋安全管理规定》的备案报告",
        pub.issue_number,
        pub.normative_number,
        filed.opinion.number,
        "合法，同意出台",
        "提前施行的理由说明",
    ):
        assert expected in text, expected
    for pdf in (opinion_pdf, report_pdf):
        assert "(A4)" in pdf_page_size(pdf)
