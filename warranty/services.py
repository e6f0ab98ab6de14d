"""Case services: the only code that opens cases, moves their state or records their work.

Each step locks the case row for the whole check-and-move (two SSOS people assessing the
same card cannot both win), checks `warranty.policy` then `warranty.rules`, moves the
card through `cards.services.card_act` (never around it), moves the case, writes the
history entry and queues the e-mails in the outbox, all in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from cards.actions import check_action_input
from cards.errors import ActionForbidden, ActionNotPossible, ActionRefused
from cards.models import Card, CardEvent, ReplacementReason
from cards.services import card_act

from . import policy, rules
from .errors import CaseConflict
from .fees import fee_for
from .models import (
    OPEN_STATES,
    Assessment,
    Attachment,
    Case,
    CaseCounter,
    CaseEvent,
    CaseKind,
    CaseState,
    Comment,
    ExtensionAttempt,
    ExtensionError,
    FeeEvent,
    Payment,
    PaymentStatus,
)
from .notifications import (
    notify_deans_office_of_retry,
    notify_holder_of_state,
    notify_ssos_of_fault,
    notify_ssos_of_forgery,
)
from .photos import photo_cleaned
from .transitions import ATTEMPT_ROLES, OPEN_CARD_ACTION, PAYMENT_ROLES, TRANSITIONS

K, C = CaseKind, CaseState

INITIAL_STATE = {
    K.FAULT: C.AWAITING_CARD,
    K.DAMAGE: C.PAYMENT_DUE,
    K.LOST: C.PAYMENT_DUE,
    K.INVALIDATION: C.AWAITING_CORNER_CUT,
    K.SUSPECTED_FORGERY: C.FORGERY_TO_CHECK,
}


def _record(case: Case, *, action: str, from_state: str, actor: Any, source: str,
            note: str = "", details: dict | None = None) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, action=action, from_state=from_state, to_state=case.state, actor=actor,
        source=source, note=note, details=details or {},
    )


def _allocate_number(card_kind: str, year: int) -> str:
    """`ELS/2026/00042`: the counter row is locked, so concurrent openings never share one."""
    CaseCounter.objects.bulk_create(
        [CaseCounter(card_kind=card_kind, year=year, last=0)], ignore_conflicts=True)
    counter = CaseCounter.objects.select_for_update().get(card_kind=card_kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{card_kind}/{year}/{counter.last:05d}"


def _lock_case(case_id: int) -> Case:
    try:
        return (Case.objects.select_for_update(of=("self",))
                .select_related("card", "holder", "payment").get(pk=case_id))
    except Case.DoesNotExist as exc:
        raise ActionNotPossible(_("No such case.")) from exc


def _apply(case: Case, action: str, *, actor: Any, source: str, note: str = "",
           details: dict | None = None) -> CaseEvent:
    """Move the (locked) case, record the move and tell the holder."""
    from_state = case.state
    getattr(case, action)()
    case.state_changed_at = timezone.now()
    try:
        case.save()
    except ConcurrentTransition as exc:
        raise CaseConflict(_("Someone else changed this case in the meantime.")) from exc
    event = _record(case, action=action, from_state=from_state, actor=actor, source=source,
                    note=note, details=details)
    notify_holder_of_state(case)
    return event


def _create_payment(case: Case, today: dt.date) -> Payment:
    fee = fee_for(card_kind=case.card.kind, event=FeeEvent.DUPLICATE, on=today)
    if fee is None:
        raise ActionRefused(_(
            "The fee table has no duplicate fee for %(kind)s cards; an administrator must "
            "add it.") % {"kind": case.card.kind})
    payment = Payment(case=case, fee=fee, amount=fee.amount, currency=fee.currency)
    if fee.amount == 0:
        payment.waive(reason=_("No fee under the fee table."))
    payment.save()
    case.payment = payment
    return payment


# --- opening -------------------------------------------------------------------------

def _validate_open(kind: str, note: str, extension_error: str, ground: str,
                   card_read_id: int | None) -> None:
    if kind not in K.values:
        raise ActionRefused(_("Unknown case kind."))
    if (kind == K.SUSPECTED_FORGERY) != (card_read_id is not None):
        raise ActionRefused(_("A suspected forgery is reported from the read that showed it, "
                              "on the card page or at the reader desk."))
    if kind in (K.FAULT, K.DAMAGE, K.LOST) and not note.strip():
        raise ActionRefused(_("Please describe what happened."))
    if kind == K.EXTENSION_FAILURE and extension_error not in ExtensionError.values:
        raise ActionRefused(_("Choose the error USOS showed."))
    if kind == K.INVALIDATION and not ground:
        raise ActionRefused(_("Choose the invalidation ground."))


def _new_case(card: Card, kind: str, *, actor: Any, note: str, extension_error: str = "",
              ground: str = "", card_read_id: int | None = None, now: dt.datetime) -> Case:
    if kind == K.EXTENSION_FAILURE:
        state = rules.REMEDIES[extension_error].initial_state
    else:
        state = INITIAL_STATE[kind]
    case = Case(
        number=_allocate_number(card.kind, timezone.localtime(now).year), kind=kind,
        state=state, card=card, unit_id=card.serving_unit_id, holder=card.holder,
        opened_by=actor if getattr(actor, "is_authenticated", False) else None,
        description=note.strip(), extension_error=extension_error, invalidation_ground=ground,
        card_read_id=card_read_id, created_at=now, state_changed_at=now,
    )
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as exc:
        raise ActionRefused(_("This card already has an open case.")) from exc
    return case


def _after_open(case: Case, *, actor: Any, source: str, note: str, today: dt.date) -> None:
    """What every new case gets, whoever opened it: payment, first attempt, e-mails."""
    if case.state == C.PAYMENT_DUE:
        _create_payment(case, today)
    if case.extension_error == ExtensionError.CARD_READ_FAILED:
        ExtensionAttempt.objects.create(case=case, succeeded=False, note=note, actor=actor)
    _record(case, action="open", from_state="", actor=actor, source=source, note=note.strip(),
            details={"kind": case.kind})
    notify_holder_of_state(case)
    if case.kind == K.FAULT:
        notify_ssos_of_fault(case)
    if case.kind == K.SUSPECTED_FORGERY:
        notify_ssos_of_forgery(case)


def case_open(*, card_id: int, kind: str, actor: Any, source: str, note: str = "",
              extension_error: str = "", ground: str = "", card_read_id: int | None = None,
              today: dt.date | None = None) -> Case:
    """Open a case about a card and make the card move that goes with it.

    Fault → card reported faulty, SSOS e-mailed; damage and lost → card damaged or lost,
    duplicate fee due; invalidation → card invalidation decided on `ground`; extension
    failure → state and remedy by the USOS error, card unchanged; suspected forgery (only
    from the read that showed it, `card_read_id`, checked by `reader_bridge.forgery`) →
    SSOS e-mailed, card unchanged until SSOS confirms.
    """
    _validate_open(kind, note, extension_error, ground, card_read_id)
    today = today or timezone.localdate()
    with transaction.atomic():
        try:
            card = Card.objects.select_for_update(of=("self",)).select_related("holder").get(
                pk=card_id)
        except Card.DoesNotExist as exc:
            raise ActionRefused(_("No such card.")) from exc
        refusal = policy.open_refusal(actor, kind, card)
        if refusal:
            raise ActionForbidden(refusal)
        existing = Case.objects.filter(card=card, state__in=OPEN_STATES).first()
        if existing is not None:
            raise ActionRefused(_("This card already has an open case: %(number)s.")
                                % {"number": existing.number})
        case = _new_case(card, kind, actor=actor, note=note, extension_error=extension_error,
                         ground=ground, card_read_id=card_read_id, now=timezone.now())
        card_action = OPEN_CARD_ACTION[kind]
        if card_action:
            params = {"ground": ground} if kind == K.INVALIDATION else {}
            case.card = card_act(card_id=card.pk, action=card_action, actor=actor, source=source,
                                 note=note, today=today, context={"case_id": case.pk}, **params)
        _after_open(case, actor=actor, source=source, note=note, today=today)
    return case


# --- steps ---------------------------------------------------------------------------

@dataclass
class _Step:
    """One step in progress. `card_event` is set when the card was moved directly on the
    card page and the case follows it: then the card must not be moved again."""

    case: Case
    actor: Any
    source: str
    note: str
    today: dt.date
    params: dict = field(default_factory=dict)
    card_event: CardEvent | None = None

    def move_card(self, action: str, note: str | None = None, **params: Any) -> None:
        if self.card_event is not None:
            return
        self.case.card = card_act(
            card_id=self.case.card_id, action=action, actor=self.actor, source=self.source,
            note=self.note if note is None else note, today=self.today,
            context={"case_id": self.case.pk}, **params)

    def apply(self, action: str, details: dict | None = None) -> CaseEvent:
        return _apply(self.case, action, actor=self.actor, source=self.source,
                      note=self.note.strip(), details=details)


def _assess(step: _Step, outcome: str) -> dict:
    checklist = step.params.get("checklist")
    if checklist is None:  # following a direct card move: nobody filled the checklist
        return {}
    Assessment.objects.create(
        case=step.case, outcome=outcome, assessor=step.actor,
        other_note=str(checklist.get("other_note", "")).strip(),
        **{name: bool(checklist.get(name)) for name in rules.CHECKLIST_FIELDS},
    )
    return {"defects": rules.checklist_defects(checklist)}


def _step_receive_card(step: _Step) -> None:
    step.move_card("hand_to_ssos")
    step.case.card_received_at = timezone.now()
    step.case.card_received_by = step.actor
    step.apply("receive_card")


def _step_approve_warranty(step: _Step) -> None:
    step.apply("approve_warranty", _assess(step, Assessment.Outcome.WARRANTY))


def _step_require_duplicate(step: _Step) -> None:
    details = _assess(step, Assessment.Outcome.DUPLICATE)
    step.move_card("mark_damaged", note=step.note.strip() or ", ".join(details["defects"]))
    _create_payment(step.case, step.today)
    step.apply("require_duplicate", details)


def _step_card_damaged(step: _Step) -> None:
    _create_payment(step.case, step.today)
    step.apply("card_damaged")


def _step_hand_over(step: _Step) -> None:
    reason = ReplacementReason.DUPLICATE if hasattr(step.case, "payment") else (
        ReplacementReason.WARRANTY)
    step.move_card("replace", replacement_reason=reason,
                   new_number=step.params.get("new_number", ""),
                   new_chip_serial=step.params.get("new_chip_serial", ""))
    step.case.new_card = Card.objects.get(replaces_id=step.case.card_id)
    step.apply("hand_over", {"new_card_id": step.case.new_card.pk,
                             "new_card_number": step.case.new_card.number,
                             "replacement_reason": reason})


def _cancel_due_payment(case: Case) -> None:
    payment = getattr(case, "payment", None)
    if payment is not None and payment.status == PaymentStatus.DUE:
        payment.cancel()
        payment.save()


def _step_mark_found(step: _Step) -> None:
    step.move_card("mark_found")
    _cancel_due_payment(step.case)
    step.apply("mark_found")


def _step_convert_to_fault(step: _Step) -> None:
    old = step.case
    step.apply("convert_to_fault")
    new = _new_case(old.card, K.FAULT, actor=step.actor, note=step.note, now=timezone.now())
    step.case = new
    step.move_card("report_faulty")
    _after_open(new, actor=step.actor, source=step.source, note=step.note, today=step.today)
    Case.objects.filter(pk=old.pk).update(converted_to=new)
    old.converted_to = new


def _step_hand_back(step: _Step) -> None:
    step.apply("hand_back")
    notify_deans_office_of_retry(step.case, note=step.note.strip())


def _step_confirm_forgery(step: _Step) -> None:
    # The card's history is the holder's too: the suspicion stays on the case.
    step.move_card("invalidate_forged", note=_("Invalidated at SSOS."))
    step.apply("confirm_forgery")


def _step_with_card_move(step: _Step, action: str) -> None:
    card_action = TRANSITIONS[action].card_action
    if card_action:
        step.move_card(card_action)
    step.apply(action)


STEP_HANDLERS = {
    "receive_card": _step_receive_card,
    "approve_warranty": _step_approve_warranty,
    "require_duplicate": _step_require_duplicate,
    "card_damaged": _step_card_damaged,
    "hand_over": _step_hand_over,
    "mark_found": _step_mark_found,
    "convert_to_fault": _step_convert_to_fault,
    "hand_back": _step_hand_back,
    "confirm_forgery": _step_confirm_forgery,
}


def _run_step(step: _Step, action: str) -> None:
    handler = STEP_HANDLERS.get(action)
    if handler is None:
        _step_with_card_move(step, action)
    else:
        handler(step)


def step_possible(case: Case, action: str) -> bool:
    """Whether the case's kind and state allow the step at all."""
    return case.kind in TRANSITIONS[action].kinds and can_proceed(getattr(case, action))


def step_not_possible(case: Case, action: str) -> str | None:
    """Why the case's kind or state does not allow the step at all, or None."""
    if step_possible(case, action):
        return None
    return _("“%(step)s” is not possible for a case that is %(state)s.") % {
        "step": TRANSITIONS[action].label, "state": case.state_label}


def case_act(*, case_id: int, action: str, actor: Any, source: str,
             expected_state: str | None = None, note: str = "", today: dt.date | None = None,
             **params: Any) -> Case:
    """Take step `action` on the case, or raise a CardActionError subclass saying why not.

    `expected_state` is the state the caller's screen showed: if the case moved since,
    the step is refused with a conflict instead of doing something nobody decided.
    """
    spec = TRANSITIONS.get(action)
    if spec is None:
        raise ActionNotPossible(_("Unknown step."))
    check_action_input(allowed=spec.params, params=params, note_required=spec.note_required,
                       note=note)
    today = today or timezone.localdate()
    with transaction.atomic():
        case = _lock_case(case_id)
        if expected_state and case.state != expected_state:
            raise CaseConflict(
                _("Someone else changed this case in the meantime (it is now: %(state)s). "
                  "Review it and try again.") % {"state": case.get_state_display()})
        refusal = policy.transition_refusal(actor, spec, case)
        if refusal:
            raise ActionForbidden(refusal)
        impossible = step_not_possible(case, action)
        if impossible:
            raise ActionNotPossible(impossible)
        refusal = rules.step_refusal(case, action, params)
        if refusal:
            raise ActionRefused(refusal)
        _run_step(_Step(case=case, actor=actor, source=source, note=note, today=today,
                        params=params), action)
    return case


def available_steps(case: Case, user: Any) -> list[dict]:
    """Steps the case's kind and state allow and the user's role permits, each with the
    rule's verdict right now (`refusal` is None when the step can be taken)."""
    options = []
    for name, spec in TRANSITIONS.items():
        if spec.internal or not step_possible(case, name):
            continue
        if policy.transition_refusal(user, spec, case):
            continue
        options.append({"transition": spec, "refusal": rules.step_refusal(case, name, {})})
    return options


# --- extension attempts --------------------------------------------------------------

ATTEMPT_STATES = frozenset({C.TROUBLESHOOTING, C.ESCALATED, C.HOLDER_TO_USOS, C.DATA_FIX_NEEDED,
                            C.READY_TO_RETRY})


def case_record_attempt(*, case_id: int, actor: Any, source: str, succeeded: bool,
                        note: str = "", extension_error: str = "") -> Case:
    """Record one extension attempt; success resolves the case, a second failed card read
    sends the holder to the USOS office, and a failed retry after the USOS office handed
    the case back returns it there with the new error (`extension_error`, when known)."""
    if extension_error and extension_error not in ExtensionError.values:
        raise ActionRefused(_("Choose the error USOS showed."))
    with transaction.atomic():
        case = _lock_case(case_id)
        refusal = policy.staff_refusal(actor, case, ATTEMPT_ROLES)
        if refusal:
            raise ActionForbidden(refusal)
        if case.kind != K.EXTENSION_FAILURE or case.state not in ATTEMPT_STATES:
            raise ActionNotPossible(_("Attempts are recorded only on an open extension-failure "
                                      "case."))
        ExtensionAttempt.objects.create(case=case, succeeded=succeeded, note=note.strip(),
                                        actor=actor)
        _record(case, action="attempt", from_state=case.state, actor=actor, source=source,
                note=note.strip(), details={"succeeded": succeeded})
        if succeeded:
            _apply(case, "resolve", actor=actor, source=source,
                   note=_("The extension succeeded."))
        elif case.state == C.READY_TO_RETRY:
            _return_to_usos(case, actor=actor, source=source, note=note.strip(),
                            extension_error=extension_error)
        elif (case.extension_error == ExtensionError.CARD_READ_FAILED
              and case.state == C.TROUBLESHOOTING
              and case.attempts.filter(succeeded=False).count()
              >= rules.FAILED_READS_BEFORE_USOS_VISIT):
            _apply(case, "send_holder_to_usos", actor=actor, source=source,
                   note=_("The card could not be read a second time."))
    return case


def _return_to_usos(case: Case, *, actor: Any, source: str, note: str,
                    extension_error: str) -> None:
    details = {}
    if extension_error and extension_error != case.extension_error:
        details = {"extension_error": extension_error, "previous_error": case.extension_error}
        case.extension_error = extension_error
    _apply(case, "return_to_usos", actor=actor, source=source, details=details,
           note=note or _("The extension failed again."))


# --- payments ------------------------------------------------------------------------

def _payment_act(case_id: int, actor: Any, source: str, action: str, note: str,
                 **kwargs: Any) -> Payment:
    with transaction.atomic():
        case = _lock_case(case_id)
        refusal = policy.staff_refusal(actor, case, PAYMENT_ROLES)
        if refusal:
            raise ActionForbidden(refusal)
        payment = getattr(case, "payment", None)
        if payment is None:
            raise ActionNotPossible(_("This case has no fee."))
        if not can_proceed(getattr(payment, action)):
            raise ActionNotPossible(_("The fee is %(status)s: this is not possible.")
                                    % {"status": payment.get_status_display()})
        from_status = payment.status
        getattr(payment, action)(**kwargs)
        payment.save()
        _record(case, action=f"payment_{action}", from_state=case.state, actor=actor,
                source=source, note=note,
                details={"from": from_status, "to": payment.status,
                         "amount": str(payment.amount), "currency": payment.currency})
    return payment


def payment_mark_paid(*, case_id: int, actor: Any, source: str, reference: str,
                      paid_on: dt.date) -> Payment:
    reference = reference.strip()
    if not reference:
        raise ActionRefused(_("Enter the payment reference."))
    if paid_on > timezone.localdate():
        raise ActionRefused(_("The payment date cannot be in the future."))
    return _payment_act(case_id, actor, source, "mark_paid", reference,
                        reference=reference, paid_on=paid_on)


def payment_waive(*, case_id: int, actor: Any, source: str, reason: str) -> Payment:
    if not reason.strip():
        raise ActionRefused(_("Give the reason for the waiver."))
    return _payment_act(case_id, actor, source, "waive", reason.strip(), reason=reason.strip())


def payment_refund(*, case_id: int, actor: Any, source: str, reason: str) -> Payment:
    if not reason.strip():
        raise ActionRefused(_("Give the reason for the refund."))
    return _payment_act(case_id, actor, source, "refund", reason.strip(), reason=reason.strip())


# --- comments, attachments, assignment -----------------------------------------------

def _lock_for_staff(case_id: int, actor: Any) -> Case:
    case = _lock_case(case_id)
    refusal = policy.staff_refusal(actor, case)
    if refusal:
        raise ActionForbidden(refusal)
    return case


def case_comment_add(*, case_id: int, actor: Any, body: str,
                     visible_to_holder: bool = False) -> Comment:
    if not body.strip():
        raise ActionRefused(_("The comment is empty."))
    with transaction.atomic():
        case = _lock_for_staff(case_id, actor)
        return Comment.objects.create(case=case, author=actor, body=body.strip(),
                                      visible_to_holder=visible_to_holder)


def case_attachment_add(*, case_id: int, actor: Any, upload: UploadedFile,
                        description: str = "") -> Attachment:
    photo, content_type = photo_cleaned(upload)
    with transaction.atomic():
        case = _lock_for_staff(case_id, actor)
        return Attachment.objects.create(
            case=case, file=photo, content_type=content_type, size=photo.size,
            description=description.strip()[:200], uploaded_by=actor)


def case_assign(*, case_id: int, actor: Any, source: str, assignee_id: int | None) -> Case:
    """Give the case to a staff member who may work on it (None: unassign)."""
    with transaction.atomic():
        case = _lock_for_staff(case_id, actor)
        assignee = None
        if assignee_id is not None:
            assignee = get_user_model().objects.filter(pk=assignee_id, is_active=True).first()
            if assignee is None or policy.staff_refusal(assignee, case):
                raise ActionRefused(_("This person cannot work on this case."))
        Case.objects.filter(pk=case.pk).update(assigned_to=assignee)
        case.assigned_to = assignee
        _record(case, action="assign", from_state=case.state, actor=actor, source=source,
                details={"assignee": CaseEvent.name_of(assignee)})
    return case


# --- cards moved directly on the card page -----------------------------------------

# card action → the case step that follows it
FOLLOWING_STEP = {
    "hand_to_ssos": "receive_card",
    "return_working": "return_working",
    "mark_damaged": "card_damaged",
    "mark_found": "mark_found",
    "confirm_corner_cut": "confirm_corner_cut",
    "withdraw_invalidation": "withdraw_invalidation",
    "replace": "hand_over",
    "report_faulty": "convert_to_fault",
}

# card action → the kind of case it opens when no open case can follow it
OPENS_KIND = {
    "report_faulty": CaseKind.FAULT,
    "mark_damaged": CaseKind.DAMAGE,
    "report_lost": CaseKind.LOST,
    "decide_invalidation": CaseKind.INVALIDATION,
}


def case_follow_card_move(*, card: Card, event: CardEvent, actor: Any) -> None:
    """Keep the card's cases in step with a move made directly on the card (see
    `card_hooks`). Runs inside the card's transaction; raising refuses the move."""
    case = (Case.objects.select_for_update(of=("self",)).select_related("holder", "payment")
            .filter(card=card, state__in=OPEN_STATES).first())
    today = timezone.localdate()
    step_name = FOLLOWING_STEP.get(event.action)
    if case is not None and step_name and step_possible(case, step_name):
        refusal = rules.step_refusal(case, step_name, {})
        if refusal:
            raise ActionRefused(refusal)
        case.card = card
        _run_step(_Step(case=case, actor=actor, source=event.source, note=event.reason,
                        today=today, card_event=event), step_name)
        return
    if case is not None and event.action == "replace":
        raise ActionRefused(
            _("This card has an open case %(number)s (%(state)s): hand the new card over "
              "through the case, so that its rules are checked.")
            % {"number": case.number, "state": case.get_state_display()})
    kind = OPENS_KIND.get(event.action)
    if kind is None:
        return
    if case is not None:
        _cancel_due_payment(case)
        _apply(case, "cancel", actor=actor, source=event.source,
               note=_("Closed: the card is now %(state)s.") % {"state": card.get_state_display()})
    new = _new_case(card, kind, actor=actor, note=event.reason,
                    ground=event.details.get("ground", ""), now=timezone.now())
    _after_open(new, actor=actor, source=event.source, note=event.reason, today=today)
