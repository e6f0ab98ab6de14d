"""Units, holders and their programmes, signing certificates, the semester calendar,
and cards with their life-cycle state machine and append-only history.

Transition methods only move the state and set the fields that belong to the move.
Who may call them and on which grounds is decided in `cards.policy` and `cards.rules`,
and `cards.services.card_act` is the only caller.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stdnum.pl import pesel as pesel_number

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from . import holograms, policy
from .fields import EncryptedPeselField, PeselHashField
from .folding import SearchFold
from .grammar import enrolment_status
from .labels import ChoiceLabel
from .pesel import mask_pesel, pesel_digest
from .tally import UnitStateTally


class CardKind(models.TextChoices):
    ELS = "ELS", _("Student card (ELS)")
    ELD = "ELD", _("Doctoral card (ELD)")
    ELN = "ELN", _("Academic teacher card (ELN)")


class Unit(models.Model):
    """An organisational unit (faculty, doctoral school) that serves holders."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="units",
        verbose_name=_("staff"),
        help_text=_("Dean's office staff who act on this unit's holders and cards."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")

    def __str__(self) -> str:
        return self.name


class SigningCertificateQuerySet(models.QuerySet):
    def usable_at(self, moment: dt.datetime) -> SigningCertificateQuerySet:
        return self.filter(valid_from__lte=moment, valid_until__gte=moment, revoked_at__isnull=True)


class KeyLocation(models.TextChoices):
    SERVER_HSM = "server_hsm", _("server HSM (the university e-seal; the server signs)")
    WORKSTATION = "workstation", _("workstation card (an employee signs at the reader)")


class SigningCertificate(models.Model):
    """A certificate registered for signing the chip data of a unit's cards.

    Subject, serial and validity are read from the certificate itself, never typed in;
    `cards.signing_certificates` registers and revokes, `cards.signing` picks one.
    """

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="signing_certificates", verbose_name=_("unit")
    )
    certificate_pem = models.TextField(_("certificate (PEM)"))
    subject_name = models.CharField(_("subject name"), max_length=300, editable=False)
    serial_number = models.CharField(_("serial number"), max_length=100, editable=False)
    valid_from = models.DateTimeField(_("valid from"), editable=False)
    valid_until = models.DateTimeField(_("valid until"), editable=False)
    is_eseal = models.BooleanField(_("e-seal"), default=False, editable=False, help_text=_(
        "A qualified e-seal of the university (from the certificate's QC statements): it "
        "signs without the issuing phrase."))
    card_kinds = models.JSONField(_("card kinds"), default=list, help_text=_(
        "The kinds of card this certificate signs."))
    key_location = models.CharField(_("key location"), max_length=20,
                                    choices=KeyLocation.choices, default=KeyLocation.SERVER_HSM)
    token_label = models.CharField(_("token label"), max_length=32, blank=True, help_text=_(
        "The PKCS#11 token holding the key (server HSM only; empty: ESEAL_TOKEN_LABEL)."))
    key_label = models.CharField(_("key label"), max_length=100, blank=True)
    key_id = models.CharField(_("key id (hex)"), max_length=64, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revocation_reason = models.CharField(_("revocation reason"), max_length=200, blank=True,
                                         editable=False)

    objects = SigningCertificateQuerySet.as_manager()

    class Meta:
        ordering = ["unit", "-valid_until"]
        verbose_name = _("signing certificate")
        verbose_name_plural = _("signing certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "serial_number"], name="signing_cert_unique_serial"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("valid_from")),
                name="signing_cert_validity_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_name} ({self.serial_number})"

    @property
    def signs_on_server(self) -> bool:
        return self.key_location == KeyLocation.SERVER_HSM

    @property
    def signs_at_workstation(self) -> bool:
        return self.key_location == KeyLocation.WORKSTATION

    def signs(self, kind: str) -> bool:
        return kind in self.card_kinds


class Semester(models.Model):
    """One entry of the university's semester calendar.

    Validity dates differ between universities, so they are data, never constants.
    """

    name = models.CharField(_("name"), max_length=100)
    cycle_code = models.CharField(
        _("cycle code"), max_length=20, unique=True, help_text=_("USOS cycle, e.g. 2026/27Z")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    card_valid_until = models.DateField(
        _("card valid until"), help_text=_("The date written on the chip by an extension.")
    )

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("semester")
        verbose_name_plural = _("semester calendar")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="semester_dates_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls, today: dt.date) -> Semester | None:
        return cls.objects.filter(starts_on__lte=today, ends_on__gte=today).first()


def validate_pesel(value: str) -> None:
    if value and not pesel_number.is_valid(value):
        raise ValidationError(_("%(value)s is not a valid PESEL number."), params={"value": value})


class Holder(models.Model):
    """A person who holds or held cards: student, doctoral candidate or teacher."""

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    pesel = EncryptedPeselField(
        _("PESEL"), blank=True, validators=[validate_pesel],
        help_text=_("Empty for holders without a PESEL number."),
    )
    pesel_hash = PeselHashField(_("PESEL (keyed hash)"))
    album_number = models.CharField(_("album number"), max_length=20, blank=True)
    employee_number = models.CharField(_("employee number"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="holder", verbose_name=_("user account"),
    )
    # What the search reads (cards.search): the names and numbers folded, kept by the
    # database, surname first (a card's search text starts with it, see Card).
    search_text = models.GeneratedField(
        expression=SearchFold("last_name", "first_name", "album_number", "employee_number"),
        output_field=models.TextField(), db_persist=True,
    )

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("holder")
        verbose_name_plural = _("holders")
        constraints = [
            models.UniqueConstraint(
                fields=["pesel_hash"], condition=~Q(pesel_hash=""),
                name="holder_unique_pesel_hash",
            ),
            models.UniqueConstraint(
                fields=["album_number"], condition=~Q(album_number=""), name="holder_unique_album"
            ),
            models.UniqueConstraint(
                fields=["employee_number"], condition=~Q(employee_number=""),
                name="holder_unique_employee_number",
            ),
        ]
        # The card list in the holders' order: a page reads its holders from here.
        indexes = [models.Index(fields=["last_name", "first_name", "id"],
                                name="holder_name_order")]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "pesel" in update_fields:
            kwargs["update_fields"] = {*update_fields, "pesel_hash"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return self.name_of(self.first_name, self.last_name)

    @staticmethod
    def name_of(first_name: str, last_name: str) -> str:
        """How a holder's name is shown, for rows read as values too."""
        return f"{first_name} {last_name}"

    @property
    def masked_pesel(self) -> str:
        return mask_pesel(self.pesel)

    def clean(self) -> None:
        # The unique hash is not a form field, so forms would skip its constraint.
        digest = pesel_digest(self.pesel)
        if digest and Holder.objects.exclude(pk=self.pk).filter(pesel_hash=digest).exists():
            raise ValidationError({"pesel": _("Another holder has this PESEL number.")})


class Level(models.TextChoices):
    FIRST_CYCLE = "first_cycle", _("first-cycle studies")
    SECOND_CYCLE = "second_cycle", _("second-cycle studies")
    UNIFORM_MASTER = "uniform_master", _("uniform master's studies")
    DOCTORAL = "doctoral", _("doctoral education")


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    SUSPENDED = "suspended", _("suspended")
    REMOVED = "removed", _("finally removed from the list")
    GRADUATED = "graduated", _("graduated")


# A holder on one of these still has student (or doctoral candidate) status.
STATUS_KEEPING_STATUSES = (EnrolmentStatus.ACTIVE, EnrolmentStatus.SUSPENDED)


class Enrolment(models.Model):
    """A holder's programme in USOS terms: programme, stage, cycle, status."""

    holder = models.ForeignKey(
        Holder, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("holder")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("unit")
    )
    programme_code = models.CharField(_("programme code"), max_length=50)
    programme_name = models.CharField(_("programme name"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    stage = models.CharField(_("stage"), max_length=50, blank=True)
    cycle_code = models.CharField(_("cycle code"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=EnrolmentStatus.choices)
    next_completion_date = models.DateField(_("next completion date"), null=True, blank=True)
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)

    class Meta:
        ordering = ["holder", "programme_code"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "programme_code"], name="enrolment_unique_programme"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme_name} ({self.get_status_display()})"

    @property
    def status_of_holder(self) -> str:
        """The status as said of this holder, in the right gender ("skreślona z listy")."""
        return enrolment_status(self)


class Employment(models.Model):
    """An academic teacher's employment, which the ELN card follows."""

    holder = models.ForeignKey(
        Holder, on_delete=models.CASCADE, related_name="employments", verbose_name=_("holder")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="employments", verbose_name=_("unit")
    )
    position = models.CharField(_("position"), max_length=100)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        ordering = ["holder", "-started_on"]
        verbose_name = _("employment")
        verbose_name_plural = _("employments")

    def __str__(self) -> str:
        return f"{self.position}, {self.unit}"

    def is_current(self, today: dt.date) -> bool:
        return self.started_on <= today and (self.ended_on is None or self.ended_on >= today)


class CardState(models.TextChoices):
    ACTIVE = "active", _("active")
    AWAITING_HOLOGRAM = "awaiting_hologram", _("extended, awaiting hologram")
    REPORTED_FAULTY = "reported_faulty", _("reported faulty")
    WITH_SSOS = "with_ssos", _("handed in to SSOS")
    DAMAGED = "damaged", _("damaged")
    LOST = "lost", _("lost or stolen")
    PENDING_INVALIDATION = "pending_invalidation", _("invalidation decided, awaiting corner cut")
    INVALIDATED = "invalidated", _("invalidated")
    REPLACED = "replaced", _("replaced")


TERMINAL_STATES = frozenset({CardState.INVALIDATED, CardState.REPLACED})
S = CardState


class InvalidationGround(models.TextChoices):
    REMOVED_FROM_LIST = "removed_from_list", _("final removal from the list of students")
    COMPLETED_MASTERS = "completed_masters", _(
        "completed second-cycle or uniform master's studies, no student status elsewhere"
    )
    DOCTORAL_ENDED = "doctoral_ended", _("end of doctoral education")
    EMPLOYMENT_ENDED = "employment_ended", _("end of employment")


class ReplacementReason(models.TextChoices):
    WARRANTY = "warranty", _("free warranty exchange")
    DUPLICATE = "duplicate", _("paid duplicate")


class Card(ConcurrentTransitionMixin, models.Model):
    kind = models.CharField(_("kind"), max_length=3, choices=CardKind.choices)
    holder = models.ForeignKey(
        Holder, on_delete=models.PROTECT, related_name="cards", verbose_name=_("holder")
    )
    serving_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="cards", verbose_name=_("serving unit")
    )
    number = models.CharField(_("card number"), max_length=30, unique=True)
    chip_serial = models.CharField(_("chip serial number"), max_length=64, unique=True)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until (chip)"), null=True, blank=True)
    hologram_count = models.PositiveSmallIntegerField(_("holograms stuck on"), default=0)
    blank_batch = models.CharField(_("blank batch"), max_length=50, blank=True)
    blank_supplier = models.CharField(_("blank supplier"), max_length=100, blank=True)
    template_generation = models.CharField(_("card template"), max_length=50, blank=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replacement",
        verbose_name=_("replaces card"),
    )
    invalidation_ground = models.CharField(
        _("invalidation ground"), max_length=30, choices=InvalidationGround.choices, blank=True
    )
    state = FSMField(
        _("state"), default=S.ACTIVE, choices=CardState.choices, protected=True, db_index=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # What the card list's search reads (cards.search): the holder's search text, then
    # the number and chip serial folded, on the card's own row, so that a search is one
    # trigram index scan of cards and its rows sort by it (surname first) without a join
    # to every matching holder. Kept by the database (triggers, migration 0008) whatever
    # writes the card or renames its holder; what save() writes here is replaced.
    search_text = models.TextField(default="", editable=False)

    class Meta:
        ordering = ["number"]
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        indexes = [
            models.Index(fields=["serving_unit", "state"]),
            models.Index(fields=["holder", "state"]),
            # University-wide counts per state (dashboards) without reading every card.
            models.Index(fields=["state", "serving_unit"]),
        ]

    state_label = ChoiceLabel("state", CardState)

    def __str__(self) -> str:
        return self.number  # it starts with the kind already ("ELS-2025-000743")

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    def is_expired(self, today: dt.date) -> bool:
        return self.valid_until is None or self.valid_until < today

    def has_lapsed(self, today: dt.date) -> bool:
        """A card still in use whose chip date has passed: it needs an extension."""
        return (self.valid_until is not None and self.valid_until < today
                and not self.is_terminal)

    # --- transitions: state moves only; rules and permissions are checked before ---

    @transition(field=state, source=S.ACTIVE, target=S.AWAITING_HOLOGRAM,
                permission=policy.transition_permission("extend"))
    def extend(self, *, valid_until: dt.date) -> None:
        self.valid_until = valid_until

    @transition(field=state, source=S.AWAITING_HOLOGRAM, target=S.ACTIVE,
                permission=policy.transition_permission("confirm_hologram"))
    def confirm_hologram(self) -> None:
        self.hologram_count += 1

    @transition(field=state, source=[S.ACTIVE, S.AWAITING_HOLOGRAM], target=S.REPORTED_FAULTY,
                permission=policy.transition_permission("report_faulty"))
    def report_faulty(self) -> None:
        pass

    @transition(field=state, source=S.REPORTED_FAULTY, target=S.WITH_SSOS,
                permission=policy.transition_permission("hand_to_ssos"))
    def hand_to_ssos(self) -> None:
        pass

    @transition(field=state, source=[S.REPORTED_FAULTY, S.WITH_SSOS], target=S.ACTIVE,
                permission=policy.transition_permission("return_working"))
    def return_working(self) -> None:
        pass

    @transition(field=state,
                source=[S.ACTIVE, S.AWAITING_HOLOGRAM, S.REPORTED_FAULTY, S.WITH_SSOS],
                target=S.DAMAGED, permission=policy.transition_permission("mark_damaged"))
    def mark_damaged(self) -> None:
        pass

    @transition(field=state,
                source=[S.ACTIVE, S.AWAITING_HOLOGRAM, S.REPORTED_FAULTY, S.DAMAGED],
                target=S.LOST, permission=policy.transition_permission("report_lost"))
    def report_lost(self) -> None:
        pass

    @transition(field=state, source=S.LOST, target=S.ACTIVE,
                permission=policy.transition_permission("mark_found"))
    def mark_found(self) -> None:
        pass

    @transition(field=state,
                source=[S.ACTIVE, S.AWAITING_HOLOGRAM, S.REPORTED_FAULTY, S.WITH_SSOS, S.DAMAGED,
                        S.LOST],
                target=S.PENDING_INVALIDATION,
                permission=policy.transition_permission("decide_invalidation"))
    def decide_invalidation(self, *, ground: str) -> None:
        self.invalidation_ground = ground

    @transition(field=state, source=S.PENDING_INVALIDATION, target=S.ACTIVE,
                permission=policy.transition_permission("withdraw_invalidation"))
    def withdraw_invalidation(self) -> None:
        self.invalidation_ground = ""

    @transition(field=state, source=S.PENDING_INVALIDATION, target=S.INVALIDATED,
                permission=policy.transition_permission("confirm_corner_cut"))
    def confirm_corner_cut(self) -> None:
        pass

    @transition(field=state, source=[S.WITH_SSOS, S.DAMAGED, S.LOST], target=S.REPLACED,
                permission=policy.transition_permission("replace"))
    def replace(self) -> None:
        pass

    @transition(field=state,
                source=[S.ACTIVE, S.AWAITING_HOLOGRAM, S.REPORTED_FAULTY, S.WITH_SSOS, S.DAMAGED,
                        S.LOST, S.PENDING_INVALIDATION],
                target=S.INVALIDATED,
                permission=policy.transition_permission("invalidate_forged"))
    def invalidate_forged(self) -> None:
        """SSOS confirmed that the chip data are forged; SSOS keeps the card."""


class EventSource(models.TextChoices):
    WEB = "web", _("web page")
    API = "api", _("API")
    ADMIN = "admin", _("admin")
    READER = "reader", _("card reader")
    TASK = "task", _("background task")
    IMPORT = "import", _("import")


class AppendOnlyError(Exception):
    pass


class HistoryEntry(models.Model):
    """Base of the history tables: who moved what from where to where, when and how.

    Written once by a service, never changed or deleted.
    """

    action = models.CharField(_("action"), max_length=40)
    from_state = models.CharField(_("from"), max_length=30, blank=True)
    to_state = models.CharField(_("to"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("who"),
    )
    actor_name = models.CharField(_("who (as recorded)"), max_length=150, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)
    source = models.CharField(_("source"), max_length=10, choices=EventSource.choices)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError(f"{self._meta.verbose_name} entries cannot be changed")
        if self.actor_id and not self.actor_name:
            self.actor_name = self.name_of(self.actor)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.verbose_name} entries cannot be deleted")

    @staticmethod
    def name_of(user: Any) -> str:
        """How a person is recorded: the name they had at the time."""
        if user is None:
            return ""
        return user.get_full_name() or user.get_username()


class CardEvent(HistoryEntry):
    """One entry of a card's history."""

    card = models.ForeignKey(
        Card, on_delete=models.PROTECT, related_name="events", verbose_name=_("card")
    )
    reason = models.TextField(_("reason / note"), blank=True)

    class Meta(HistoryEntry.Meta):
        verbose_name = _("card history entry")
        verbose_name_plural = _("card history")
        indexes = [models.Index(fields=["card", "at"])]

    def __str__(self) -> str:
        return f"{self.card} {self.action}: {self.from_state} → {self.to_state}"

    def from_state_label(self) -> str:
        return CardState(self.from_state).label if self.from_state else ""

    def to_state_label(self) -> str:
        return CardState(self.to_state).label


def validate_hologram_number(value: str) -> None:
    problem = holograms.number_format_problem(value)
    if problem:
        raise ValidationError(problem)


class Hologram(models.Model):
    """A hologram sticker on a card's reverse. Its number is unique across the university;
    written with the history entry that confirmed it, never changed."""

    card = models.ForeignKey(
        Card, on_delete=models.PROTECT, related_name="holograms", verbose_name=_("card")
    )
    number = models.CharField(
        _("hologram number"), max_length=8, unique=True, validators=[validate_hologram_number]
    )
    event = models.OneToOneField(
        CardEvent, on_delete=models.PROTECT, related_name="hologram",
        verbose_name=_("confirmed in"),
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("hologram")
        verbose_name_plural = _("holograms")

    def __str__(self) -> str:
        return self.number


class CardTally(UnitStateTally):
    """Cards per serving unit and state, kept by triggers on the cards (`cards.tally`)."""

    class Meta:
        verbose_name = _("card tally entry")
        verbose_name_plural = _("card tally entries")
