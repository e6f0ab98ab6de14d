"""Imports every report module so each registers its reports, in page order."""

from . import case_reports, reader_reports, card_reports, access_reports  # noqa: F401, I001 - page order
from .registry import REPORTS

__all__ = ["REPORTS"]
