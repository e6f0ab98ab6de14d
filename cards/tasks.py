from __future__ import annotations

from celery import shared_task

from .tally import fold_every_tally


@shared_task(ignore_result=True)
def tallies_fold_task() -> None:
    """The per-unit-and-state counts summed into one row each (`cards.tally`)."""
    fold_every_tally()
