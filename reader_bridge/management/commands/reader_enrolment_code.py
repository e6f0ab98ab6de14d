from django.core.management.base import BaseCommand, CommandError

from cards.models import Unit
from reader_bridge.models import owner_label
from reader_bridge.services import enrolment_code_create


class Command(BaseCommand):
    help = ("Create a one-time enrolment code (valid 24 h) for a reader agent of a unit "
            "(--unit) or of SSOS (--ssos).")

    def add_arguments(self, parser):
        owner = parser.add_mutually_exclusive_group(required=True)
        owner.add_argument("--unit", help="unit code, e.g. WMI")
        owner.add_argument("--ssos", action="store_true",
                           help="a reader at SSOS (university-wide)")

    def handle(self, *args, unit: str | None, ssos: bool, **options):
        found = None
        if not ssos:
            found = Unit.objects.filter(code=unit).first()
            if found is None:
                raise CommandError(f"no unit with code {unit!r}")
        code = enrolment_code_create(unit=found, for_ssos=ssos)
        self.stdout.write(f"{code.code}  ({owner_label(code)}, valid until "
                          f"{code.expires_at:%Y-%m-%d %H:%M %Z})")
        self.stdout.write(f"legitymacje-reader enrol --server URL --code {code.code}")
