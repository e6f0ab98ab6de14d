"""Imports every report module so each registers its reports, in page order."""

from . import card_reports, reader_reports  # noqa: F401
from .registry import REPORTS

__all__ = ["REPORTS"]
