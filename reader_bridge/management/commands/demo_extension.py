"""`make demo-extend`'s server half: arm the demo reader to extend a card, or say what a
demo chip file holds.

    manage.py demo_extension arm [CARD]   # prints "<chip file> <chip serial>"
    manage.py demo_extension chip FILE    # prints the file's chip serial and validUntil
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cards import chip
from reader_bridge.demo import demo_extension_arm
from reader_bridge.extension import ExtensionStartRefused


class Command(BaseCommand):
    help = "Demo: arm the simulated reader to extend a card, or show a chip file's date."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["arm", "chip"])
        parser.add_argument("target", nargs="?", default="",
                            help="arm: a card number (default: the first one the rules "
                            "let extend); chip: a chip file")

    def handle(self, *args, action: str, target: str, **options):
        if action == "chip":
            data = chip.parse_els_file(Path(target).read_bytes()).data
            self.stdout.write(f"chip {data.chip_serial}: validUntil {data.valid_until}")
            return
        try:
            card, chip_file = demo_extension_arm(target or None)
        except ExtensionStartRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        self.stderr.write(f"{card.number} ({card.holder}): the demo reader is armed to "
                          f"extend it; the card goes into the reader…")
        self.stdout.write(f"{chip_file} {card.chip_serial}")
