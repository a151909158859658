"""Answering a request with a Word output as PDF: converted now (nothing stored), or the reason on the page."""

from __future__ import annotations

import io

from flask import current_app, redirect, send_file

from tracker.common.views import attempt
from tracker.word.pdf import PDF_TYPE, docx_to_pdf


def pdf_response(data: bytes, docx_name: str, *, back: str):
    """The PDF of a .docx, or, when it cannot be made here, the reason flashed on the page `back`."""
    with attempt() as done:
        pdf = docx_to_pdf(
            data, soffice=current_app.config.get("SOFFICE"), timeout=current_app.config.get("PDF_TIMEOUT", 120)
        )
    if not done:
        return redirect(back)
    name = docx_name.removesuffix(".docx") + ".pdf"
    return send_file(io.BytesIO(pdf), mimetype=PDF_TYPE, as_attachment=True, download_name=name)
