"""PDF of a Word output for the archive and the website: LibreOffice headless in a subprocess with a time limit.

Each conversion runs in its own temporary folder with its own LibreOffice profile (parallel requests never share
one) and with fonts.conf, which maps the templates' Windows font names to the Noto CJK faces: serif for 仿宋, 宋,
楷 and 小标宋, sans for 黑体. Without it every run falls back to a sans face.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tracker.errors import ValidationFailed

FONTS_CONF = Path(__file__).resolve().parent / "fonts.conf"
PDF_TYPE = "application/pdf"
DEFAULT_TIMEOUT = 120


class PdfUnavailable(ValidationFailed):
    """PDF cannot be made here (LibreOffice missing, or it failed or took too long): the Word file still can."""


def find_soffice(command: str | None = None) -> str | None:
    """The LibreOffice executable: the configured command or path, else soffice/libreoffice on the PATH."""
    for name in (command, "soffice", "libreoffice"):
        if name and (found := shutil.which(name)):
            return found
    return None


def convert(
    paths: list[Path], outdir: Path, *, soffice: str | None = None, timeout: int = DEFAULT_TIMEOUT
) -> list[Path]:
    """Convert .docx files to PDF in one LibreOffice run (one start-up for several files); returns the PDFs."""
    executable = find_soffice(soffice)
    if executable is None:
        raise PdfUnavailable(
            "本机未安装 LibreOffice，无法生成 PDF，请下载 Word 文件。"
            "管理员可安装 LibreOffice（Debian：apt-get install libreoffice-writer-nogui fonts-noto-cjk）后重试。"
        )
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        env = {**os.environ, "HOME": profile, "FONTCONFIG_FILE": str(FONTS_CONF)}
        command = [
            executable,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(outdir),
            *map(str, paths),
        ]
        try:
            subprocess.run(
                command, env=env, capture_output=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL
            )
        except subprocess.TimeoutExpired:
            raise PdfUnavailable(f"生成 PDF 超时（{timeout} 秒），请稍后重试或下载 Word 文件。") from None
    pdfs = [outdir / (p.stem + ".pdf") for p in paths]
    if not all(p.exists() and p.stat().st_size > 0 for p in pdfs):
        raise PdfUnavailable("LibreOffice 未能把该文件转换为 PDF，请下载 Word 文件，或请管理员检查模板。")
    return pdfs


def docx_to_pdf(data: bytes, *, soffice: str | None = None, timeout: int = DEFAULT_TIMEOUT) -> bytes:
    """The PDF bytes of one .docx (nothing is kept on disk)."""
    with tempfile.TemporaryDirectory(prefix="word-pdf-") as tmp:
        source = Path(tmp) / "output.docx"
        source.write_bytes(data)
        (pdf,) = convert([source], Path(tmp), soffice=soffice, timeout=timeout)
        return pdf.read_bytes()
