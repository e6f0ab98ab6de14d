"""Demo data for `make run`: units, a semester calendar, certificates, a few hundred
holders with programmes and employments in every status that matters to the rules,
cards in every state, and one user per role.

Cards are issued with `card_issue` and moved with `card_act` by the demo staff users,
so their history is real and every step is checked by the same rules as in production.
The data is the same on every run (seeded random numbers).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, TextIO

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import ProtectedError, Q, QuerySet, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from . import demo_signing
from .chip_testing import ElsFields, build_test_els_file
from .errors import ActionRefused
from .holograms import university_code
from .models import (
    Card,
    CardKind,
    CardState,
    Employment,
    Enrolment,
    EnrolmentStatus,
    EventSource,
    Holder,
    InvalidationGround,
    Level,
    ReplacementReason,
    Semester,
    SigningCertificate,
    Unit,
)
from .pesel import make_pesel
from .roles import Role
from .rules import extension_target
from .services import card_act, card_issue

SEED = 2026
DEMO_PASSWORD = "demo-password"  # noqa: S105 (demo data only, printed by `make run`)
HOLDER_EMAIL_DOMAIN = "demo.example.edu"  # marks the demo's holders, for --reset

# code, name, has a usable signing certificate
UNITS = [
    ("WMI", "Wydział Matematyki i Informatyki", True),
    ("WPiA", "Wydział Prawa i Administracji", True),
    ("SDNS", "Szkoła Doktorska Nauk Ścisłych", True),
    ("WFil", "Wydział Filologiczny", False),
]
STUDENT_UNITS = ("WMI", "WPiA", "WFil")
DOCTORAL_UNIT = "SDNS"

# username, first name, last name, role group, units served, superuser
USERS = [
    ("dziekanat", "Katarzyna", "Wiśniewska", Role.DEANS_OFFICE, ("WMI",), False),
    ("ssos", "Marek", "Zając", Role.SSOS, (), False),
    ("usos", "Joanna", "Krawczyk", Role.USOS_OFFICE, (), False),
    ("admin", "Adam", "Nowicki", None, (), True),
    ("dziekanat-wpia", "Barbara", "Mazur", Role.DEANS_OFFICE, ("WPiA",), False),
    ("dziekanat-sdns", "Tadeusz", "Pawlak", Role.DEANS_OFFICE, ("SDNS",), False),
    ("dziekanat-wfil", "Elżbieta", "Sikora", Role.DEANS_OFFICE, ("WFil",), False),
]
STUDENT_USERNAME = "student"
DEMO_USERNAMES = [u[0] for u in USERS] + [STUDENT_USERNAME]

PROGRAMMES = {
    "WMI": [("INF", "Informatyka"), ("MAT", "Matematyka")],
    "WPiA": [("ADM", "Administracja"), ("PRA", "Prawo")],
    "WFil": [("FPO", "Filologia polska"), ("FAN", "Filologia angielska")],
    "SDNS": [("SD-MAT", "Szkoła doktorska: matematyka"), ("SD-FIZ", "Szkoła doktorska: fizyka")],
}

FEMALE_NAMES = ["Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Zofia", "Julia",
                "Zuzanna", "Aleksandra", "Natalia", "Wiktoria", "Magdalena", "Joanna", "Ewa",
                "Alicja", "Łucja", "Weronika", "Oliwia", "Hanna", "Karolina"]
MALE_NAMES = ["Jan", "Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Michał", "Jakub",
              "Mateusz", "Łukasz", "Szymon", "Kacper", "Bartłomiej", "Wojciech", "Grzegorz",
              "Marcin", "Antoni", "Filip", "Stanisław", "Józef"]
SURNAMES = ["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
            "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
            "Kwiatkowski", "Krawczyk", "Piotrowski", "Grabowski", "Nowakowski", "Pawłowski",
            "Michalski", "Król", "Wieczorek", "Jabłoński", "Wróbel", "Majewski", "Olszewski",
            "Stępień", "Malinowski", "Jaworski", "Górski", "Rutkowski", "Sikora", "Ostrowski",
            "Baran", "Duda", "Szewczyk", "Tomaszewski", "Pietrzak", "Żak", "Zalewski", "Kubiak"]

NOTES = {
    "report_faulty": "Karta nie wczytuje się w czytniku USOS; wygląda na nieuszkodzoną.",
    "return_working": "Po przetarciu styków karta wczytuje się poprawnie.",
    "mark_damaged": "Karta pęknięta przy chipie.",
    "report_lost": "Zgłoszona kradzież portfela razem z legitymacją.",
}


@dataclass(frozen=True)
class Profile:
    """A kind of holder: what USOS says about them and the cards' story, step by step.

    Steps are card actions; `invalidate` uses the profile's ground, `replace_*` issues
    the new card and the following steps act on it.
    """

    name: str
    kind: str
    programmes: tuple[tuple[str, str, str], ...] = ()  # (level, status, cycle: current/past)
    completion_date: bool = True
    employment: str = ""  # "current" or "ended"
    ground: str = ""
    stories: tuple[tuple[str, ...], ...] = ((),)
    count: int = 1
    # A later card of another kind: (kind, unit code, story), e.g. a doctoral card.
    then: tuple[str, str, tuple[str, ...]] | None = None


A, SUS, REM, GRAD = (EnrolmentStatus.ACTIVE, EnrolmentStatus.SUSPENDED, EnrolmentStatus.REMOVED,
                     EnrolmentStatus.GRADUATED)
FIRST, SECOND, UNIFORM, DOCTORAL = (Level.FIRST_CYCLE, Level.SECOND_CYCLE, Level.UNIFORM_MASTER,
                                    Level.DOCTORAL)
EXTENSIONS = (("extend",), ("extend", "confirm_hologram"))
FAULTS = (
    ("report_faulty",), ("report_faulty", "hand_to_ssos"), ("mark_damaged",), ("report_lost",),
    ("report_lost", "mark_found"), ("report_faulty", "return_working"),
    ("report_faulty", "hand_to_ssos", "replace_warranty"), ("mark_damaged", "replace_duplicate"),
    ("report_lost", "replace_duplicate"),
)
INVALIDATIONS = ((), ("invalidate",), ("invalidate", "confirm_corner_cut"))
# The student user: a master's graduate whose student card was invalidated and who now
# holds an extended doctoral card.
STUDENT_PROFILE = Profile(
    "masters-then-doctoral", CardKind.ELS, ((SECOND, GRAD, "past"), (DOCTORAL, A, "current")),
    ground=InvalidationGround.COMPLETED_MASTERS,
    stories=(("invalidate", "confirm_corner_cut"),),
    then=(CardKind.ELD, DOCTORAL_UNIT, ("extend", "confirm_hologram")),
)

STUDENT_PROFILES = [
    Profile("settled", CardKind.ELS, ((FIRST, A, "current"),),
            stories=(*EXTENSIONS, *FAULTS), count=30),
    Profile("settled-uniform", CardKind.ELS, ((UNIFORM, A, "current"),),
            stories=EXTENSIONS, count=6),
    Profile("wrong-cycle", CardKind.ELS, ((FIRST, A, "past"),), count=6),
    Profile("no-completion-date", CardKind.ELS, ((SECOND, A, "current"),),
            completion_date=False, count=5),
    Profile("suspended", CardKind.ELS, ((FIRST, SUS, "current"),), count=5),
    Profile("removed", CardKind.ELS, ((FIRST, REM, "past"),),
            ground=InvalidationGround.REMOVED_FROM_LIST, stories=INVALIDATIONS, count=6),
    Profile("masters-completed", CardKind.ELS, ((FIRST, GRAD, "past"), (SECOND, GRAD, "past")),
            ground=InvalidationGround.COMPLETED_MASTERS, stories=INVALIDATIONS, count=6),
    Profile("masters-completed-studying-on", CardKind.ELS,
            ((SECOND, GRAD, "past"), (FIRST, A, "current")), stories=EXTENSIONS, count=4),
    Profile("first-cycle-completed", CardKind.ELS, ((FIRST, GRAD, "past"),), count=4),
    Profile("first-cycle-completed-now-second", CardKind.ELS,
            ((FIRST, GRAD, "past"), (SECOND, A, "current")), stories=EXTENSIONS, count=4),
]
DOCTORAL_PROFILES = [
    Profile("doctoral", CardKind.ELD, ((DOCTORAL, A, "current"),),
            stories=(*EXTENSIONS, ("report_faulty",), ("mark_damaged",)), count=18),
    Profile("doctoral-wrong-cycle", CardKind.ELD, ((DOCTORAL, A, "past"),), count=3),
    Profile("doctoral-completed", CardKind.ELD, ((DOCTORAL, GRAD, "past"),),
            ground=InvalidationGround.DOCTORAL_ENDED, stories=INVALIDATIONS, count=4),
]
TEACHER_PROFILES = [
    Profile("employed", CardKind.ELN, employment="current", stories=EXTENSIONS, count=8),
    Profile("employment-ended", CardKind.ELN, employment="ended",
            ground=InvalidationGround.EMPLOYMENT_ENDED, stories=INVALIDATIONS, count=3),
]


# --- the semester calendar (UJ dates: cards valid until 31 March / 31 October) -------

def semester_around(day: dt.date) -> dict[str, Any]:
    """The semester containing `day`: winter 1 Oct – end of Feb, summer 1 Mar – 30 Sep."""
    if day.month >= 10 or day.month <= 2:
        year = day.year if day.month >= 10 else day.year - 1
        return {"cycle_code": f"{year}/{(year + 1) % 100:02d}Z",
                "name": f"Semestr zimowy {year}/{(year + 1) % 100:02d}",
                "starts_on": dt.date(year, 10, 1),
                "ends_on": dt.date(year + 1, 3, 1) - dt.timedelta(days=1),
                "card_valid_until": dt.date(year + 1, 3, 31)}
    year = day.year - 1
    return {"cycle_code": f"{year}/{day.year % 100:02d}L",
            "name": f"Semestr letni {year}/{day.year % 100:02d}",
            "starts_on": dt.date(day.year, 3, 1), "ends_on": dt.date(day.year, 9, 30),
            "card_valid_until": dt.date(day.year, 10, 31)}


def load_calendar(today: dt.date) -> dict[str, Semester]:
    """Two past semesters, the current one and the next."""
    current = semester_around(today)
    past = semester_around(current["starts_on"] - dt.timedelta(days=1))
    older = semester_around(past["starts_on"] - dt.timedelta(days=1))
    upcoming = semester_around(current["ends_on"] + dt.timedelta(days=1))
    semesters = {}
    for key, data in (("older", older), ("past", past), ("current", current),
                      ("next", upcoming)):
        code = data.pop("cycle_code")
        semesters[key] = Semester.objects.get_or_create(cycle_code=code, defaults=data)[0]
    return semesters


# --- loading ------------------------------------------------------------------------

class DemoConflict(Exception):
    """The database holds other data where the demo would go; nothing was changed."""


DEMO_UNIT_CODES = [code for code, _name, _certified in UNITS]


def users_text() -> str:
    """Every demo user and what they do, for `make run` to print."""
    lines = [_("Demo users (password %(password)s, demo data only):") % {"password": DEMO_PASSWORD}]
    for username, first, last, role, unit_codes, superuser in USERS:
        does = _("administrator") if superuser else str(Role(role).label)
        if unit_codes:
            does = f"{does} ({', '.join(unit_codes)})"
        lines.append(f"  {username:<16} {first} {last}: {does}")
    lines.append(f"  {STUDENT_USERNAME:<16} " + _("a card holder: own cards and cases"))
    return "\n".join(lines)


def is_loaded() -> bool:
    return User.objects.filter(username__in=DEMO_USERNAMES).exists()


def _other_holders_in_demo_units() -> QuerySet:
    in_demo_units = (Q(enrolments__unit__code__in=DEMO_UNIT_CODES)
                     | Q(employments__unit__code__in=DEMO_UNIT_CODES)
                     | Q(cards__serving_unit__code__in=DEMO_UNIT_CODES))
    return Holder.objects.exclude(email__endswith=f"@{HOLDER_EMAIL_DOMAIN}").filter(in_demo_units)


class DemoLoader:
    def __init__(self, stdout: TextIO, today: dt.date) -> None:
        self.stdout = stdout
        self.today = today
        self.rng = random.Random(SEED)  # noqa: S311 (repeatable demo data, not secrets)
        self.card_seq = 0
        self.hologram_seq = 0
        self.replacements_left: list[str] = []

    def load(self) -> None:
        self.semesters = load_calendar(self.today)
        self.units = self.load_units()
        self.users = self.load_users()
        plans = list(self.plans())
        holders = self.load_holders(plans)
        for (unit_code, profile, story), holder in zip(plans, holders, strict=True):
            self.play(holder, self.units[unit_code], profile, story)
        self.link_student(holders[0])
        if self.replacements_left:
            self.stdout.write(_("%(n)d replacements are left to the cases (%(reason)s)") % {
                "n": len(self.replacements_left), "reason": self.replacements_left[0]})
        states = Counter(Card.objects.filter(holder__in=holders).values_list("state", flat=True))
        self.stdout.write(_("Cards demo: %(units)d units, %(holders)d holders, %(cards)d cards "
                            "(%(states)s).") % {"units": len(self.units), "holders": len(holders),
                             "cards": sum(states.values()),
                             "states": ", ".join(f"{CardState(s).label} {n}"
                                                 for s, n in sorted(states.items()))})

    def load_units(self) -> dict[str, Unit]:
        units = {code: Unit.objects.create(code=code, name=name) for code, name, _c in UNITS}
        pki = demo_signing.demo_pki()
        eseal = demo_signing.demo_eseal_certificate()
        if eseal is None:
            self.stdout.write(_("No demo e-seal token (manage.py eseal_token demo): chip files "
                                "cannot be signed in this demo."))
            eseal = demo_signing.stand_in_eseal(pki)
        demo_signing.register_eseal([units[code] for code, _n, ok in UNITS if ok], eseal)
        for code, _name, certified in UNITS:
            if not certified:  # its only certificate expired a month ago
                demo_signing.register_expired_signer(units[code], pki)
        return units

    def load_users(self) -> dict[str, User]:
        password = make_password(DEMO_PASSWORD)  # hashed once: hashing is slow on purpose
        groups = {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}
        users = {}
        for username, first, last, role, unit_codes, superuser in USERS:
            user = users[username] = User.objects.create(
                username=username, first_name=first, last_name=last, password=password,
                email=f"{username}@{HOLDER_EMAIL_DOMAIN}", is_superuser=superuser,
                is_staff=superuser)
            if role:
                user.groups.add(groups[role])
            for code in unit_codes:
                self.units[code].staff.add(user)
        return users

    def plans(self) -> Iterator[tuple[str, Profile, tuple[str, ...]]]:
        """(unit code, profile, card story) per holder; the first is the student user's."""
        yield "WMI", STUDENT_PROFILE, STUDENT_PROFILE.stories[0]
        for code in STUDENT_UNITS:
            certified = next(ok for c, _name, ok in UNITS if c == code)
            for profile in (*STUDENT_PROFILES, *TEACHER_PROFILES):
                yield from self.profile_plans(code, profile, certified)
        for profile in DOCTORAL_PROFILES:
            yield from self.profile_plans(DOCTORAL_UNIT, profile, certified=True)

    def profile_plans(self, code: str, profile: Profile,
                      certified: bool) -> Iterator[tuple[str, Profile, tuple[str, ...]]]:
        # Without a signing certificate nobody can extend: those cards stay as issued.
        stories = [s for s in profile.stories if certified or "extend" not in s]
        for i in range(profile.count):
            yield code, profile, stories[i] if i < len(stories) else ()

    def load_holders(self, plans: list) -> list[Holder]:
        holders = [self.new_holder(index, profile.kind)
                   for index, (_code, profile, _story) in enumerate(plans)]
        Holder.objects.bulk_create(holders)
        enrolments, employments = [], []
        for (code, profile, _story), holder in zip(plans, holders, strict=True):
            enrolments += self.new_enrolments(holder, self.units[code], profile)
            if profile.employment:
                employments.append(self.new_employment(holder, self.units[code], profile))
        Enrolment.objects.bulk_create(enrolments)
        Employment.objects.bulk_create(employments)
        return holders

    def new_holder(self, index: int, kind: str) -> Holder:
        rng = self.rng
        female = rng.random() < 0.55
        first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        last = rng.choice(SURNAMES)
        if female and last.endswith(("ski", "cki", "dzki")):
            last = last[:-1] + "a"
        years = {CardKind.ELS: (19, 26), CardKind.ELD: (25, 33), CardKind.ELN: (30, 65)}[kind]
        birth = self.today - dt.timedelta(days=rng.randint(years[0] * 365, years[1] * 365))
        identifier = {"employee_number": f"P{4000 + index}"} if kind == CardKind.ELN else {
            "album_number": str(1100001 + index)}
        return Holder(first_name=first, last_name=last,
                      pesel=make_pesel(birth, index, female=female),
                      email=f"{first}.{last}.{index}@{HOLDER_EMAIL_DOMAIN}".lower(), **identifier)

    def new_enrolments(self, holder: Holder, unit: Unit, profile: Profile) -> list[Enrolment]:
        result = []
        for level, status, when in profile.programmes:
            if level == DOCTORAL:
                unit = self.units[DOCTORAL_UNIT]
            code, name = self.rng.choice(PROGRAMMES[unit.code])
            suffix = {FIRST: "S1", SECOND: "S2", UNIFORM: "JM", DOCTORAL: "D"}[level]
            semester = self.semesters[when]
            result.append(Enrolment(
                holder=holder, unit=unit, programme_code=f"{code}-{suffix}",
                programme_name=name, level=level, stage=f"rok {self.rng.randint(1, 3)}",
                cycle_code=semester.cycle_code, status=status,
                next_completion_date=(semester.ends_on if profile.completion_date and status == A
                                      else None),
                status_changed_on=None if status == A else semester.ends_on,
            ))
        return result

    def new_employment(self, holder: Holder, unit: Unit, profile: Profile) -> Employment:
        started = dt.date(self.rng.randint(1995, 2020), 10, 1)
        ended = self.semesters["past"].ends_on if profile.employment == "ended" else None
        position = self.rng.choice(["asystent", "adiunkt", "profesor uczelni", "profesor"])
        return Employment(holder=holder, unit=unit, position=position, started_on=started,
                          ended_on=ended)

    def issue(self, holder: Holder, unit: Unit, kind: str, replaces: Card | None = None) -> Card:
        self.card_seq += 1
        years_held = self.rng.randint(1, 4)
        issued_on = dt.date(self.semesters["current"].starts_on.year - years_held, 10, 1)
        holograms = {CardKind.ELS: 2 * years_held - 1, CardKind.ELD: years_held}.get(kind, 0)
        return card_issue(
            actor=None, source=EventSource.IMPORT, holder=holder,
            serving_unit=unit, kind=kind, number=f"{kind}-{issued_on.year}-{self.card_seq:06d}",
            chip_serial=f"04{self.card_seq:06X}{self.rng.getrandbits(32):08X}",
            issued_on=issued_on, valid_until=self.semesters["past"].card_valid_until,
            hologram_count=holograms, blank_batch=f"PWPW/{issued_on.year}/{self.card_seq % 7 + 1}",
            blank_supplier="Polska Wytwórnia Papierów Wartościowych",
            template_generation="2018",
        )

    def play(self, holder: Holder, unit: Unit, profile: Profile, story: tuple[str, ...]) -> None:
        card = self.issue(holder, unit, profile.kind)
        for step in story:
            try:
                card = self.act(card, step, profile)
            except ActionRefused as refusal:
                # Another app (the cases) may own replacements through its transition
                # hook; the card then stays where it is, its case open, for that app's
                # demo to carry on. Any other refusal is a bug in the demo.
                if not step.startswith("replace_"):
                    raise
                self.replacements_left.append(refusal.message)
                break
        if profile.then:
            kind, unit_code, later_story = profile.then
            self.play(holder, self.units[unit_code], replace(profile, kind=kind, then=None),
                      later_story)

    def act(self, card: Card, step: str, profile: Profile) -> Card:
        """Do one story step as the member of staff who would; return the card now held."""
        params: dict[str, Any] = {}
        action = step
        if step == "invalidate":
            action, params = "decide_invalidation", {"ground": profile.ground}
        elif step == "confirm_hologram":
            self.hologram_seq += 1
            params = {"hologram_number": f"{university_code()}{self.hologram_seq:05d}"}
        elif step.startswith("replace_"):
            self.card_seq += 1
            action, params = "replace", {
                "replacement_reason": step.removeprefix("replace_"),
                "new_number": f"{card.kind}-{self.today.year}-{self.card_seq:06d}",
                "new_chip_serial": f"04{self.card_seq:06X}{self.rng.getrandbits(32):08X}"}
        elif step == "extend":
            params = {"written_file": self.written_file(card)}
        ssos_acts = action == "hand_to_ssos" or params.get("replacement_reason") == (
            ReplacementReason.WARRANTY)
        actor = self.users["ssos"] if ssos_acts else self.deans_office(card.serving_unit.code)
        card = card_act(card_id=card.pk, action=action, actor=actor, source=EventSource.WEB,
                        note=NOTES.get(action, ""), today=self.today, **params)
        if action == "replace":
            return Card.objects.select_related("serving_unit").get(replaces=card)
        return card

    def written_file(self, card: Card) -> bytes:
        """The chip file the extension wrote (demo data signed by the test PKI)."""
        holder = card.holder
        return build_test_els_file(ElsFields(
            chip_serial=card.chip_serial, surnames=(holder.last_name,),
            given_names=(holder.first_name,), album_number=holder.album_number,
            pesel=holder.pesel,
            valid_until=extension_target(self.today).card_valid_until), kind=card.kind)

    def deans_office(self, unit_code: str) -> User:
        return self.users["dziekanat" if unit_code == "WMI" else f"dziekanat-{unit_code.lower()}"]

    def link_student(self, holder: Holder) -> None:
        holder.user = User.objects.create(
            username=STUDENT_USERNAME, first_name=holder.first_name, last_name=holder.last_name,
            email=holder.email, password=make_password(DEMO_PASSWORD))
        holder.save(update_fields=["user"])


def load(stdout: TextIO, today: dt.date | None = None) -> None:
    """Load the cards demo (callers check `is_loaded()` first)."""
    taken = list(Unit.objects.filter(code__in=DEMO_UNIT_CODES).values_list("code", flat=True))
    if taken:
        raise DemoConflict(_("The database already has units %(codes)s that are not the demo's; "
                             "load the demo into an empty database.") % {
                                 "codes": ", ".join(sorted(taken))})
    with transaction.atomic():
        DemoLoader(stdout, today or timezone.localdate()).load()


# --- reset ----------------------------------------------------------------------------

def reset(stdout: TextIO) -> None:
    """Delete what the demo created, and everything that refers to it (history, cases,
    reads), so that `load` can run again. Refused if other holders use the demo's units."""
    if _other_holders_in_demo_units().exists():
        raise DemoConflict(_("Holders that are not the demo's belong to the demo's units; "
                             "the demo cannot be reset in this database."))
    with transaction.atomic():
        delete_with_dependants(Holder.objects.filter(email__endswith=f"@{HOLDER_EMAIL_DOMAIN}"))
        delete_with_dependants(SigningCertificate.objects.filter(unit__code__in=DEMO_UNIT_CODES))
        delete_with_dependants(Unit.objects.filter(code__in=DEMO_UNIT_CODES))
        delete_with_dependants(User.objects.filter(username__in=DEMO_USERNAMES))
    stdout.write(_("Demo data removed."))


def delete_with_dependants(queryset: QuerySet) -> None:
    """Delete the rows, first deleting whatever protects them from deletion."""
    while True:
        try:
            with transaction.atomic():
                queryset.delete()
            return
        except (ProtectedError, RestrictedError) as exc:
            blocking = getattr(exc, "protected_objects", None) or exc.restricted_objects
            by_model = defaultdict(set)
            for obj in blocking:
                by_model[type(obj)].add(obj.pk)
            for model, pks in by_model.items():
                delete_with_dependants(model._base_manager.filter(pk__in=pks))
