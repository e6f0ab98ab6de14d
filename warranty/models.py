"""Cases about cards: their own state machine, history, payments, outbox and reminders.

Transition methods only move the case's state. Who may call them is decided in
`warranty.policy`, the rules of the procedure live in `warranty.rules`, and
`warranty.services` is the only caller (it also moves the card through
`cards.services.card_act`).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition

from cards.labels import ChoiceLabel
from cards.models import Card, CardKind, HistoryEntry, Holder, Unit
from cards.tally import UnitStateTally


class CaseKind(models.TextChoices):
    FAULT = "fault", _("fault (does not work, looks fine)")
    DAMAGE = "damage", _("damaged card (paid duplicate)")
    LOST = "lost", _("lost or stolen card")
    EXTENSION_FAILURE = "extension_failure", _("extension failure")
    INVALIDATION = "invalidation", _("invalidation")
    SUSPECTED_FORGERY = "suspected_forgery", _("suspected forgery of the chip data")


class CaseState(models.TextChoices):
    AWAITING_CARD = "awaiting_card", _("waiting for the card at SSOS")
    IN_ASSESSMENT = "in_assessment", _("card at SSOS, to assess")
    WARRANTY_APPROVED = "warranty_approved", _("warranty exchange approved")
    PAYMENT_DUE = "payment_due", _("duplicate fee due")
    REPLACEMENT_ORDERED = "replacement_ordered", _("new card ordered")
    READY_FOR_PICKUP = "ready_for_pickup", _("new card ready for collection")
    TROUBLESHOOTING = "troubleshooting", _("troubleshooting")
    ESCALATED = "escalated", _("escalated to the USOS office")
    HOLDER_TO_USOS = "holder_to_usos", _("holder must visit the USOS office")
    DATA_FIX_NEEDED = "data_fix_needed", _("enrolment data to correct")
    READY_TO_RETRY = "ready_to_retry", _("ready for another extension attempt")
    FORGERY_TO_CHECK = "forgery_to_check", _("suspected forgery, to check at SSOS")
    AWAITING_CORNER_CUT = "awaiting_corner_cut", _("invalidation decided, awaiting corner cut")
    HANDED_OVER = "handed_over", _("new card handed over")
    RESOLVED = "resolved", _("resolved")
    CARD_RETURNED = "card_returned", _("invalidated, card returned")
    CONVERTED = "converted", _("turned into a fault case")
    CANCELLED = "cancelled", _("closed without action")
    FORGERY_CONFIRMED = "forgery_confirmed", _("forgery confirmed, card invalidated")
    FORGERY_DISMISSED = "forgery_dismissed", _("no forgery found")


C = CaseState
# Kinds a holder never sees (not on their pages, in the status lookup or by e-mail): the
# suspicion itself is for staff; the holder sees only what happens to the card.
HOLDER_HIDDEN_KINDS = frozenset({CaseKind.SUSPECTED_FORGERY})
HIDDEN_FROM_HOLDERS = Q(kind__in=sorted(HOLDER_HIDDEN_KINDS))
CLOSED_STATES = frozenset({C.HANDED_OVER, C.RESOLVED, C.CARD_RETURNED, C.CONVERTED, C.CANCELLED,
                           C.FORGERY_CONFIRMED, C.FORGERY_DISMISSED})
OPEN_STATES = frozenset(set(CaseState) - CLOSED_STATES)
# The open cases as a filter, written as the open-case indexes' condition: PostgreSQL then
# reads them from those indexes without testing each row's state against the open list.
IS_OPEN = ~Q(state__in=sorted(CLOSED_STATES))


class ExtensionError(models.TextChoices):
    """The four errors USOS shows during an extension; staff recognise the Polish text."""

    NO_CERTIFICATE = "no_certificate", "Nie znaleziono certyfikatu do podpisu"
    CARD_READ_FAILED = "card_read_failed", (
        "Nie udało się wczytać legitymacji, błąd przy operacji na karcie"
    )
    NOT_SETTLED = "not_settled", "<Imię Nazwisko> nie jest rozliczony"
    EXTENSION_ERROR = "extension_error", "Błąd przy przedłużaniu"


class CaseCounter(models.Model):
    """The last number given to a case per card kind and year (row locked to allocate)."""

    card_kind = models.CharField(max_length=3, choices=CardKind.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["card_kind", "year"], name="case_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.card_kind}/{self.year}: {self.last}"


class Case(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    number = models.CharField(_("case number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices)
    state = FSMField(_("state"), max_length=30, choices=CaseState.choices, protected=True)
    card = models.ForeignKey(
        Card, on_delete=models.PROTECT, related_name="cases", verbose_name=_("card")
    )
    # Copied from the card when the case opens, so queues filter without joins.
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="cases", verbose_name=_("unit")
    )
    holder = models.ForeignKey(
        Holder, on_delete=models.PROTECT, related_name="cases", verbose_name=_("holder")
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("opened by"),
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="assigned_cases", verbose_name=_("assigned to"),
    )
    description = models.TextField(_("description"), blank=True)
    extension_error = models.CharField(
        _("extension error"), max_length=20, choices=ExtensionError.choices, blank=True
    )
    invalidation_ground = models.CharField(_("invalidation ground"), max_length=30, blank=True)
    # The read that raised a suspected forgery: a loose reference, because reader_bridge
    # sits above warranty (its template tag shows the read on the case page).
    card_read_id = models.PositiveBigIntegerField(_("card read"), null=True, blank=True)
    card_received_at = models.DateTimeField(_("card received at SSOS"), null=True, blank=True)
    card_received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("card received by"),
    )
    new_card = models.OneToOneField(
        Card, on_delete=models.PROTECT, null=True, blank=True, related_name="issued_by_case",
        verbose_name=_("new card"),
    )
    converted_to = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="converted_from",
        verbose_name=_("turned into"),
    )
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)
    state_changed_at = models.DateTimeField(_("state changed at"), default=timezone.now)
    # What the queue search reads (`selectors.case_search`): the case number, the holder's
    # and the card's folded text (`cards.search`) on the case's own row, so that a search
    # of the open cases is one trigram index scan of those cases, never a read of every
    # matching holder. Kept by the database (triggers, migration 0004), whatever writes
    # the case, the holder or the card; what save() writes here is replaced.
    search_text = models.TextField(default="", editable=False)
    # The version of what the case page keeps rendered from the case's history
    # (`warranty.case_history`): a new random value whenever the case or a row those parts
    # show is written, drawn by the database (triggers, migration 0008) whatever writes it;
    # what save() writes here is replaced. NULL: nothing is kept for the case.
    timeline_version = models.UUIDField(null=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["state", "state_changed_at"]),
            models.Index(fields=["unit", "state", "state_changed_at"]),
            models.Index(fields=["kind", "state"]),
            models.Index(fields=["holder", "created_at"]),
            models.Index(fields=["assigned_to", "state"]),
            # The queues list open cases, oldest waiting first: read in this order, a page
            # of 25 stops after 25 rows instead of sorting every open case. With the state
            # included, the queue counts read these indexes only (PostgreSQL).
            models.Index(fields=["state_changed_at", "id"], include=["state"],
                         name="case_open_waiting", condition=IS_OPEN),
            models.Index(fields=["unit", "state_changed_at", "id"], include=["state"],
                         name="case_open_unit_waiting", condition=IS_OPEN),
            # A queue of one state in its order, and the overdue count of a state whose
            # condition is more than the wait (`page_selectors`), from the index alone.
            models.Index(fields=["state", "state_changed_at", "id"],
                         name="case_open_state_waiting", condition=IS_OPEN),
        ]
        constraints = [
            # One piece of work per card at a time; also guards concurrent openings.
            models.UniqueConstraint(
                fields=["card"], condition=IS_OPEN,
                name="case_one_open_per_card",
            ),
        ]

    kind_label = ChoiceLabel("kind", CaseKind)
    state_label = ChoiceLabel("state", CaseState)

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    # --- transitions: state moves only; rules and permissions are checked before ---

    @transition(field=state, source=C.AWAITING_CARD, target=C.IN_ASSESSMENT)
    def receive_card(self) -> None:
        pass

    @transition(field=state, source=C.IN_ASSESSMENT, target=C.WARRANTY_APPROVED)
    def approve_warranty(self) -> None:
        pass

    @transition(field=state, source=C.IN_ASSESSMENT, target=C.PAYMENT_DUE)
    def require_duplicate(self) -> None:
        pass

    @transition(field=state, source=[C.AWAITING_CARD, C.IN_ASSESSMENT], target=C.PAYMENT_DUE)
    def card_damaged(self) -> None:
        """The card was marked damaged on the card page during a fault case."""

    @transition(field=state, source=[C.AWAITING_CARD, C.IN_ASSESSMENT], target=C.RESOLVED)
    def return_working(self) -> None:
        pass

    @transition(field=state, source=C.WARRANTY_APPROVED, target=C.REPLACEMENT_ORDERED)
    def order_replacement(self) -> None:
        pass

    @transition(field=state, source=C.PAYMENT_DUE, target=C.REPLACEMENT_ORDERED)
    def order_duplicate(self) -> None:
        pass

    @transition(field=state, source=C.REPLACEMENT_ORDERED, target=C.READY_FOR_PICKUP)
    def mark_ready(self) -> None:
        pass

    @transition(field=state, source=C.READY_FOR_PICKUP, target=C.HANDED_OVER)
    def hand_over(self) -> None:
        pass

    @transition(field=state, source=C.PAYMENT_DUE, target=C.CANCELLED)
    def mark_found(self) -> None:
        pass

    @transition(field=state, source=[C.TROUBLESHOOTING, C.DATA_FIX_NEEDED], target=C.ESCALATED)
    def escalate(self) -> None:
        pass

    @transition(field=state, source=C.TROUBLESHOOTING, target=C.HOLDER_TO_USOS)
    def send_holder_to_usos(self) -> None:
        pass

    @transition(field=state,
                source=[C.TROUBLESHOOTING, C.ESCALATED, C.HOLDER_TO_USOS, C.DATA_FIX_NEEDED,
                        C.READY_TO_RETRY],
                target=C.RESOLVED)
    def resolve(self) -> None:
        pass

    @transition(field=state,
                source=[C.TROUBLESHOOTING, C.ESCALATED, C.HOLDER_TO_USOS, C.READY_TO_RETRY],
                target=C.CONVERTED)
    def convert_to_fault(self) -> None:
        pass

    @transition(field=state, source=[C.ESCALATED, C.HOLDER_TO_USOS], target=C.READY_TO_RETRY)
    def hand_back(self) -> None:
        """The USOS office fixed the cause: the dean's office extends the card again."""

    @transition(field=state, source=C.READY_TO_RETRY, target=C.ESCALATED)
    def return_to_usos(self) -> None:
        """The retry failed: back to the USOS office with the new error."""

    @transition(field=state, source=C.FORGERY_TO_CHECK, target=C.FORGERY_CONFIRMED)
    def confirm_forgery(self) -> None:
        pass

    @transition(field=state, source=C.FORGERY_TO_CHECK, target=C.FORGERY_DISMISSED)
    def dismiss_forgery(self) -> None:
        pass

    @transition(field=state, source=C.AWAITING_CORNER_CUT, target=C.CARD_RETURNED)
    def confirm_corner_cut(self) -> None:
        pass

    @transition(field=state, source=C.AWAITING_CORNER_CUT, target=C.CANCELLED)
    def withdraw_invalidation(self) -> None:
        pass

    @transition(field=state, source=list(OPEN_STATES), target=C.CANCELLED)
    def cancel(self) -> None:
        """Only when the card itself moved on (e.g. reported lost during a fault case)."""


class CaseEvent(HistoryEntry):
    """One entry of a case's history."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="events", verbose_name=_("case")
    )
    note = models.TextField(_("note"), blank=True)

    class Meta(HistoryEntry.Meta):
        verbose_name = _("case history entry")
        verbose_name_plural = _("case history")
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.case} {self.action}: {self.from_state} → {self.to_state}"

    @property
    def is_state_change(self) -> bool:
        return self.from_state != self.to_state


class Assessment(models.Model):
    """SSOS's physical-condition checklist for a card handed in with a fault case."""

    class Outcome(models.TextChoices):
        WARRANTY = "warranty", _("free warranty exchange")
        DUPLICATE = "duplicate", _("paid duplicate")

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="assessment", verbose_name=_("case")
    )
    broken = models.BooleanField(_("broken"), default=False)
    bent = models.BooleanField(_("bent"), default=False)
    cracked = models.BooleanField(_("cracked"), default=False)
    chip_damaged = models.BooleanField(_("chip damaged"), default=False)
    chip_dirty_or_worn = models.BooleanField(_("chip dirty or worn"), default=False)
    other = models.BooleanField(_("other defect"), default=False)
    other_note = models.CharField(_("other defect, described"), max_length=300, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        verbose_name=_("assessed by"),
    )
    at = models.DateTimeField(_("assessed at"), default=timezone.now)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"{self.case}: {self.get_outcome_display()}"


class FeeEvent(models.TextChoices):
    ISSUE = "issue", _("issue of a card")
    DUPLICATE = "duplicate", _("duplicate")


def format_money(amount, currency: str) -> str:
    """An amount as people read it in the active language: "33,00 zł", "33.00 zł"."""
    number = number_format(amount, decimal_pos=2, use_l10n=True)
    return f"{number} zł" if currency == "PLN" else f"{number} {currency}"


class FeeSchedule(models.Model):
    """The fee table: an amount per card kind and event, valid from a date on."""

    card_kind = models.CharField(_("card kind"), max_length=3, choices=CardKind.choices)
    event = models.CharField(_("event"), max_length=10, choices=FeeEvent.choices)
    amount = models.DecimalField(
        _("amount"), max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(_("currency"), max_length=3, default="PLN")
    valid_from = models.DateField(_("valid from"))
    note = models.CharField(_("source / note"), max_length=200, blank=True)

    class Meta:
        ordering = ["card_kind", "event", "-valid_from"]
        verbose_name = _("fee")
        verbose_name_plural = _("fee table")
        constraints = [
            models.UniqueConstraint(
                fields=["card_kind", "event", "valid_from"], name="fee_unique_from"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="fee_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.card_kind} {self.get_event_display()}: {self.amount} {self.currency}"


class PaymentStatus(models.TextChoices):
    DUE = "due", _("due")
    PAID = "paid", _("paid")
    WAIVED = "waived", _("waived")
    REFUNDED = "refunded", _("refunded")
    CANCELLED = "cancelled", _("cancelled")


SETTLED_PAYMENT_STATUSES = frozenset({PaymentStatus.PAID, PaymentStatus.WAIVED})


class Payment(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """The duplicate fee of one case."""

    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, related_name="payment", verbose_name=_("case")
    )
    fee = models.ForeignKey(
        FeeSchedule, on_delete=models.PROTECT, related_name="+", verbose_name=_("fee")
    )
    amount = models.DecimalField(_("amount"), max_digits=8, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="PLN")
    status = FSMField(
        _("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.DUE,
        protected=True,
    )
    reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    waived_reason = models.TextField(_("reason for waiver"), blank=True)
    refund_reason = models.TextField(_("reason for refund"), blank=True)
    created_at = models.DateTimeField(_("due since"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [
            models.Index(fields=["status", "created_at"]),
            # The unpaid fees as a hash for the overdue count, from the index alone.
            models.Index(fields=["case"], name="payment_due_case",
                         condition=Q(status=PaymentStatus.DUE)),
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.amount} {self.currency} ({self.get_status_display()})"

    @property
    def display_amount(self) -> str:
        return format_money(self.amount, self.currency)

    @property
    def is_settled(self) -> bool:
        return self.status in SETTLED_PAYMENT_STATUSES

    # A refunded fee is owed again: the duplicate waits until it is paid again or waived.
    @transition(field=status, source=[PaymentStatus.DUE, PaymentStatus.REFUNDED],
                target=PaymentStatus.PAID)
    def mark_paid(self, *, reference: str, paid_on) -> None:
        self.reference, self.paid_on = reference, paid_on

    @transition(field=status, source=[PaymentStatus.DUE, PaymentStatus.REFUNDED],
                target=PaymentStatus.WAIVED)
    def waive(self, *, reason: str) -> None:
        self.waived_reason = reason

    @transition(field=status, source=PaymentStatus.PAID, target=PaymentStatus.REFUNDED)
    def refund(self, *, reason: str) -> None:
        self.refund_reason = reason

    @transition(field=status, source=PaymentStatus.DUE, target=PaymentStatus.CANCELLED)
    def cancel(self) -> None:
        pass


class ExtensionAttempt(models.Model):
    """One try at extending the card while an extension-failure case is open."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("case")
    )
    succeeded = models.BooleanField(_("succeeded"))
    note = models.TextField(_("what was tried"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        verbose_name=_("who"),
    )
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("extension attempt")
        verbose_name_plural = _("extension attempts")

    def __str__(self) -> str:
        return f"{self.case} {self.at:%Y-%m-%d %H:%M}: {self.succeeded}"


class Comment(models.Model):
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="comments", verbose_name=_("case")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("comment"))
    visible_to_holder = models.BooleanField(_("visible to the holder"), default=False)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"{self.case}: {self.body[:50]}"


class Attachment(models.Model):
    """A photo of the card (validated as an image of limited size by the service)."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("case")
    )
    file = models.FileField(_("file"), upload_to="cases/%Y/%m/")
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return f"{self.case}: {self.file.name}"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")


class Notification(models.Model):
    """An e-mail in the outbox: written in the transaction that caused it, sent after commit.

    A worker claims a row with a conditional UPDATE (pending → sending) before sending,
    so two workers never send the same e-mail; a periodic task re-sends rows that are
    still pending (broker or SMTP outage) so nothing is dropped.
    """

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications",
        verbose_name=_("case"),
    )
    template = models.CharField(_("template"), max_length=50)
    recipient = models.EmailField(_("recipient"))
    to_holder = models.BooleanField(_("to the holder"), default=False)
    subject = models.CharField(_("subject"), max_length=200)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"))
    status = models.CharField(
        _("status"), max_length=10, choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mail outbox")
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["case", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.subject}"


class ReminderKind(models.TextChoices):
    CARD_NOT_BROUGHT = "card_not_brought", _("card not brought to SSOS")
    NOT_COLLECTED = "not_collected", _("new card not collected")
    UNPAID = "unpaid", _("duplicate fee unpaid")


class Reminder(models.Model):
    """Proof that a reminder went out for a case in a period: the unique key stops repeats."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    period = models.PositiveIntegerField(_("period"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "period"], name="reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.kind} #{self.period}"


class CaseTally(UnitStateTally):
    """Cases per unit and state, kept by triggers on the cases (`cards.tally`)."""

    class Meta:
        verbose_name = _("case tally entry")
        verbose_name_plural = _("case tally entries")
