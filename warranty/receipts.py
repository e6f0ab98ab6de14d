"""The receipts the holder gets (PDF): when SSOS takes the card in, and when the new card
is handed over. Each says where to check the case and has lines for both signatures.

fpdf2 is used because it is pure Python (no system libraries such as cairo or a browser),
actively maintained, small, and embeds TrueType fonts, which Polish letters need.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from django.conf import settings
from django.urls import reverse
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


def _holder_number(case: Case) -> tuple[str, str]:
    holder = case.holder
    if holder.album_number:
        return _("Album number"), holder.album_number
    return _("Staff number"), holder.employee_number or "—"


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "—"


def _status_page() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("warranty:status-lookup")


def intake_receipt_pdf(case: Case) -> bytes:
    """The receipt for a card taken in at SSOS: case number, card, date, who took it."""
    if case.card_received_at is None:
        raise ActionNotPossible(_("The card has not been taken in at SSOS yet."))
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            (_("Case number"), case.number),
            (_("Card"), case.card.number),
            (_("Holder"), case.holder.full_name),
            _holder_number(case),
            (_("Received on"),
             date_format(timezone.localtime(case.card_received_at), "SHORT_DATETIME_FORMAT")),
            (_("Received by"), _person(case.card_received_by)),
        ]
        return _receipt_pdf(
            case, _("Receipt for a card handed in to SSOS"), lines,
            signatures=(_("Holder's signature"), _("SSOS staff member's signature")))


def handover_receipt_pdf(case: Case) -> bytes:
    """The receipt for the new card handed over: which card replaced which, when, by whom."""
    if case.new_card_id is None:
        raise ActionNotPossible(_("No new card has been handed over in this case yet."))
    handed_over = case.events.filter(action="hand_over").select_related("actor").last()
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            (_("Case number"), case.number),
            (_("Holder"), case.holder.full_name),
            _holder_number(case),
            (_("New card"), case.new_card.number),
            (_("Chip serial number"), case.new_card.chip_serial),
            (_("Replaces card"), case.card.number),
            (_("Handed over on"), date_format(
                timezone.localtime(handed_over.at if handed_over else case.state_changed_at),
                "SHORT_DATETIME_FORMAT")),
            (_("Handed over by"), _person(handed_over.actor if handed_over else None)),
        ]
        return _receipt_pdf(case, _("Receipt for a new card handed over"), lines,
                            signatures=(_("Holder's signature"),
                                        _("Signature of the person handing over")))


def _receipt_pdf(case: Case, title: str, lines: list[tuple[str, str]],
                 signatures: tuple[str, str]) -> bytes:
    """An A5 receipt: title, facts, where to check the case, two signature lines."""
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
            return text.translate(_ASCII_FALLBACK)
    footer = _("Keep this receipt. Check the status of your case at %(url)s with the case "
               "number and your album number (academic teachers: staff number).") % {
        "url": _status_page()}
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
    pdf.ln(18)
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    for _signature in signatures:
        pdf.cell(half, 5, "." * 40)
    pdf.ln(5)
    for label in signatures:
        pdf.cell(half, 5, clean(label))
    return bytes(pdf.output())
