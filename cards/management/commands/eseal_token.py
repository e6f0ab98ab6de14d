"""`manage.py eseal_token`: the university e-seal's token and its registration.

    manage.py eseal_token demo
        the demo's SoftHSM2 token under var/softhsm (made once; --renew for a new key),
        its certificate from the demo PKI, registered for the demo's certified units
    manage.py eseal_token register CERT.pem --unit WMI [--unit ...] --token-label L \\
            --key-label K [--kinds ELS,ELD,ELN]
        register a production e-seal (or --workstation for an employee's card)
    manage.py eseal_token check --unit WMI --kind ELS
        sign a test file with the certificate that would sign that unit's cards now
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from cards import chip, demo_signing, softhsm
from cards.chip_signing import SigningError
from cards.chip_testing import ElsFields, build_els_content
from cards.errors import ActionRefused
from cards.models import Card, CardKind, KeyLocation, Unit
from cards.signing import certificate_for, eseal_sign
from cards.signing_certificates import certificate_register


class Command(BaseCommand):
    help = "Set up the e-seal token (demo: SoftHSM2 under var/) and register its certificate."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="command", required=True)
        demo = commands.add_parser("demo", help="the demo's SoftHSM2 e-seal token")
        demo.add_argument("--renew", action="store_true", help="a new token and key")
        register = commands.add_parser("register", help="register a signing certificate")
        register.add_argument("certificate", type=Path)
        register.add_argument("--unit", action="append", required=True, dest="units")
        register.add_argument("--kinds", default=",".join(CardKind.values))
        register.add_argument("--token-label", default="")
        register.add_argument("--key-label", default="")
        register.add_argument("--key-id", default="")
        register.add_argument("--workstation", action="store_true",
                              help="the key is on an employee's card at a workstation")
        check = commands.add_parser("check", help="sign a test file in the HSM")
        check.add_argument("--unit", required=True)
        check.add_argument("--kind", default=CardKind.ELS, choices=CardKind.values)

    def handle(self, *args, command: str, **options) -> None:
        try:
            getattr(self, f"handle_{command}")(**options)
        except (SigningError, ActionRefused) as exc:
            raise CommandError(exc.message) from exc

    def handle_demo(self, renew: bool, **_options) -> None:
        missing = softhsm.missing()
        if missing:  # `make run` still works; the demo just cannot sign chip files
            self.stdout.write(self.style.WARNING(
                _("No demo e-seal: %(reason)s. The demo runs, but cannot sign chip files.")
                % {"reason": missing}))
            return
        pki = demo_signing.demo_pki()
        certificate = demo_signing.demo_eseal_certificate()
        if certificate is None or renew:
            certificate = demo_signing.make_eseal_token(pki)
            self.stdout.write(_("Demo e-seal token %(label)s made in %(dir)s.") % {
                "label": demo_signing.ESEAL_TOKEN, "dir": demo_signing.hsm_dir()})
            units = list(Unit.objects.filter(signing_certificates__token_label=(
                demo_signing.ESEAL_TOKEN)).distinct())
            if units:  # the demo is loaded: its units sign with the new key from now on
                demo_signing.register_eseal(units, certificate)
        self.stdout.write(_("Demo e-seal: %(subject)s, valid until %(date)s.") % {
            "subject": certificate.subject.rfc4514_string(),
            "date": certificate.not_valid_after_utc.date()})

    def handle_register(self, certificate: Path, units: list[str], kinds: str, token_label: str,
                        key_label: str, key_id: str, workstation: bool, **_options) -> None:
        found = {unit.code: unit for unit in Unit.objects.filter(code__in=units)}
        unknown = sorted(set(units) - set(found))
        if unknown:
            raise CommandError(_("Unknown unit: %(codes)s.") % {"codes": ", ".join(unknown)})
        try:
            data = certificate.read_bytes()
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        location = KeyLocation.WORKSTATION if workstation else KeyLocation.SERVER_HSM
        for code in units:
            registered = certificate_register(
                unit=found[code], data=data, card_kinds=[k.strip() for k in kinds.split(",")],
                key_location=location, token_label=token_label, key_label=key_label,
                key_id=key_id)
            self.stdout.write(_("Registered %(certificate)s for %(unit)s.") % {
                "certificate": registered, "unit": code})

    def handle_check(self, unit: str, kind: str, **_options) -> None:
        card = Card(serving_unit=Unit.objects.filter(code=unit).first(), kind=kind)
        if card.serving_unit is None:
            raise CommandError(_("Unknown unit: %(codes)s.") % {"codes": unit})
        certificate = certificate_for(card, timezone.now())
        if certificate is None:
            raise CommandError(_("No usable certificate signs %(kind)s cards of %(unit)s.")
                               % {"kind": kind, "unit": unit})
        der = eseal_sign(certificate, build_els_content(ElsFields()))  # made-up data
        els = chip.parse_els_file(der)
        problems = chip.verify_els_file(els, trusted=[els.signer_certificate],
                                        today=timezone.localdate(),
                                        seals=[els.signer_certificate])
        if any(problem.code == chip.INVALID_SIGNATURE for problem in problems):
            raise CommandError(_("The HSM signed, but the signature does not verify."))
        self.stdout.write(self.style.SUCCESS(_("Signed a test file with %(certificate)s.")
                                             % {"certificate": certificate}))
