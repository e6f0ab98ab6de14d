from django.core.management.base import BaseCommand, CommandError

from cards.models import Unit
from reader_bridge.services import enrolment_code_create


class Command(BaseCommand):
    help = "Create a one-time enrolment code (valid 24 h) for a reader agent of a unit."

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="unit code, e.g. WMI")

    def handle(self, *args, unit: str, **options):
        found = Unit.objects.filter(code=unit).first()
        if found is None:
            raise CommandError(f"no unit with code {unit!r}")
        code = enrolment_code_create(unit=found)
        self.stdout.write(f"{code.code}  (unit {found.code}, valid until "
                          f"{code.expires_at:%Y-%m-%d %H:%M %Z})")
        self.stdout.write(f"legitymacje-reader enrol --server URL --code {code.code}")
