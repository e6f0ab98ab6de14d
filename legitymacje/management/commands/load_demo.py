"""`manage.py load_demo`: the demo data behind `make run` (cards first, then the other apps)."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.test.utils import override_settings
from django.utils.translation import gettext as _

from cards import demo as cards_demo

# Apps that may add their own demo on top of the cards demo, in this order.
OPTIONAL_DEMOS = ("warranty.demo", "reader_bridge.demo")


def optional_demo_modules() -> list:
    """The other apps' demo modules that exist; `cards` does not depend on them."""
    modules = []
    for name in OPTIONAL_DEMOS:
        package = name.rpartition(".")[0]
        if importlib.util.find_spec(package) and importlib.util.find_spec(name):
            modules.append(importlib.import_module(name))
    return modules


@contextmanager
def quietly() -> Iterator[None]:
    """The demo's cases notify hundreds of made-up holders: send those e-mails nowhere
    and keep the eager task log quiet, so `make run` shows what matters."""
    celery_log = logging.getLogger("celery")
    level = celery_log.level
    celery_log.setLevel(logging.WARNING)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            yield
    finally:
        celery_log.setLevel(level)


class Command(BaseCommand):
    help = "Load the demo data (units, holders, cards in every state, one user per role)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true",
                            help="Delete the demo data (and what refers to it), then load it "
                                 "again. Only with DEBUG on.")

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        if cards_demo.is_loaded():
            if not options["reset"]:
                self.stdout.write(_("The demo data is already loaded; nothing to do "
                                    "(use --reset to load it afresh)."))
                self.stdout.write(cards_demo.users_text())
                return
            if not settings.DEBUG:
                raise CommandError(_("--reset deletes data; it runs only with DEBUG on."))
        try:
            with quietly(), transaction.atomic():
                if options["reset"]:
                    cards_demo.reset(self.stdout)
                cards_demo.load(self.stdout)
                for module in optional_demo_modules():
                    module.load(self.stdout)
        except cards_demo.DemoConflict as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            _("Demo data loaded in %(seconds).1f s.") % {"seconds": time.monotonic() - started}))
        self.stdout.write(cards_demo.users_text())
