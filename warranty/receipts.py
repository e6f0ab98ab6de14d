"""The intake receipt the holder gets when SSOS takes the card in (PDF).

fpdf2 is used because it is pure Python (no system libraries such as cairo or a browser),
actively maintained, small, and embeds TrueType fonts, which Polish letters need.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cards.errors import ActionNotPossible

from .models import Case

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
_ASCII_FALLBACK = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")


def _font_path() -> str | None:
    configured = getattr(settings, "WARRANTY_RECEIPT_FONT", "")
    for candidate in (configured, *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def intake_receipt_pdf(case: Case) -> bytes:
    """The receipt for a card taken in at SSOS: case number, card, date, who took it."""
    if case.card_received_at is None:
        raise ActionNotPossible(_("The card has not been taken in at SSOS yet."))
    font = _font_path()
    pdf = FPDF(format=(148, 210))  # A5 in mm
    pdf.set_title(f"{case.number}")
    pdf.add_page()
    if font:
        pdf.add_font("receipt", "", font)
        pdf.set_font("receipt", size=11)

        def clean(text: str) -> str:
            return text
    else:  # no Unicode font on this machine: the built-in font has no Polish letters
        pdf.set_font("helvetica", size=11)

        def clean(text: str) -> str:
            return text.translate(_ASCII_FALLBACK).encode("latin-1", "replace").decode("latin-1")

    received_by = case.card_received_by
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            (_("Case number"), case.number),
            (_("Card"), f"{case.card.kind} {case.card.number}"),
            (_("Holder"), case.holder.full_name),
            (_("Album number"), case.holder.album_number or "—"),
            (_("Received on"),
             date_format(timezone.localtime(case.card_received_at), "SHORT_DATETIME_FORMAT")),
            (_("Received by"), (received_by.get_full_name() or received_by.get_username())
             if received_by else "—"),
        ]
        title = _("Receipt for a card handed in to SSOS")
        footer = _("Keep this receipt. Check the status of your case with the case number and "
                   "your album number.")
    pdf.set_font_size(14)
    pdf.multi_cell(0, 8, clean(title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font_size(11)
    for label, value in lines:
        pdf.cell(45, 8, clean(f"{label}:"))
        pdf.multi_cell(0, 8, clean(str(value)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font_size(9)
    pdf.multi_cell(0, 5, clean(footer), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
