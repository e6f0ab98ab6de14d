"""Card services: the only code that moves a card's state or issues cards."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from . import chip, policy, rules
from .actions import ACTIONS, check_action_input
from .errors import ActionForbidden, ActionNotPossible, ActionRefused, CardConflict
from .hooks import run_transition_hooks
from .models import Card, CardEvent, CardState, Hologram, ReplacementReason
from .signals import card_transitioned


def _record(card: Card, *, action: str, from_state: str, actor: Any, source: str,
            reason: str = "", details: dict | None = None) -> CardEvent:
    return CardEvent.objects.create(
        card=card, action=action, from_state=from_state, to_state=card.state,
        actor=actor, source=source, reason=reason,
        details=details or {},
    )


def _notify_after_commit(event: CardEvent) -> None:
    payload = {
        "card_id": event.card_id, "event_id": event.pk, "action": event.action,
        "from_state": event.from_state, "to_state": event.to_state,
        "actor_id": event.actor_id, "source": event.source,
    }
    transaction.on_commit(lambda: card_transitioned.send(sender=Card, **payload))


def card_issue(*, actor: Any, source: str, note: str = "", **fields: Any) -> Card:
    """Create a card in the active state and record its issue in the history."""
    fields.setdefault("issued_on", timezone.localdate())
    with transaction.atomic():
        try:
            card = Card.objects.create(**fields)
        except IntegrityError as exc:
            message = _("A card with this number or chip serial already exists.")
            raise ActionRefused(message) from exc
        event = _record(card, action="issue", from_state="", actor=actor, source=source,
                        reason=note)
        _notify_after_commit(event)
    return card


def _replace(card: Card, *, actor: Any, source: str, today: dt.date, replacement_reason: str,
             new_number: str, new_chip_serial: str) -> dict:
    number, serial = new_number.strip(), chip.normalise_serial(new_chip_serial)
    if not number or not serial:
        raise ActionRefused(_("The new card's number and chip serial are required."))
    refusal = rules.chip_serial_refusal(serial)
    if refusal:
        raise ActionRefused(refusal)
    if Card.objects.filter(number=number).exists():
        raise ActionRefused(_("A card with number %(number)s already exists.") % {"number": number})
    if Card.objects.filter(chip_serial=serial).exists():
        raise ActionRefused(_("A card with chip serial %(serial)s already exists.") % {
            "serial": serial})
    card.replace()
    card.save()
    new_card = card_issue(
        actor=actor, source=source, kind=card.kind, holder=card.holder,
        serving_unit=card.serving_unit, number=number, chip_serial=serial, issued_on=today,
        valid_until=card.valid_until, replaces=card,
        note=str(ReplacementReason(replacement_reason).label),
    )
    return {"replacement_reason": replacement_reason, "new_card_id": new_card.pk,
            "new_card_number": new_card.number}


def _stick_hologram(card: Card, event: CardEvent, number: str) -> None:
    """The number's uniqueness holds in the database: of two cards given one number at
    the same moment, the second is refused and its whole move undone."""
    try:
        with transaction.atomic():
            Hologram.objects.create(card=card, number=number, event=event)
    except IntegrityError as exc:
        owner = Hologram.objects.select_related("card").get(number=number).card
        raise ActionRefused(rules.hologram_taken(number, owner)) from exc


def _extend(card: Card, written_file: bytes, today: dt.date) -> dict:
    """Move the card to the validity date the chip now carries. The history records the
    file's SHA-256, not the file: it carries the full PESEL, and the history is shown
    (the reader bridge keeps the file itself with its verified write job)."""
    semester = rules.extension_target(today)
    refusal = rules.written_file_refusal(card, written_file, semester)
    if refusal:
        raise ActionRefused(refusal)
    card.extend(valid_until=semester.card_valid_until)
    return {"valid_until": semester.card_valid_until.isoformat(),
            "semester": semester.cycle_code,
            "els_sha256": hashlib.sha256(written_file).hexdigest()}


def card_act(*, card_id: int, action: str, actor: Any, source: str,
             expected_state: str | None = None, note: str = "", today: dt.date | None = None,
             context: dict | None = None, **params: Any) -> Card:
    """Perform `action` on the card, or raise a CardActionError saying why not.

    The card row is locked for the whole check-and-move, so two people acting on the
    same card at once cannot both win; the loser gets CardConflict or a refusal that
    reflects the new state. `expected_state` is the state the caller's screen showed.
    `context` travels to the transition hooks and into the history entry's details
    (e.g. {"case_id": 42} when a case drives the move).
    """
    spec = ACTIONS.get(action)
    if spec is None:
        raise ActionNotPossible(_("Unknown action."))
    if action == "extend" and not params.get("written_file"):
        raise ActionRefused(_("An extension is written to the chip: insert the card in a "
                              "reader and choose “Extend” on the card page."))
    check_action_input(allowed=spec.params, params=params, note_required=spec.note_required,
                       note=note)
    today = today or timezone.localdate()

    with transaction.atomic():
        card = (Card.objects.select_for_update(of=("self",))
                .select_related("holder", "serving_unit").get(pk=card_id))
        if expected_state and card.state != expected_state:
            raise CardConflict(
                _("Someone else changed this card in the meantime (it is now: %(state)s). "
                  "Review it and try again.") % {"state": card.get_state_display()})
        refusal = policy.refusal_for_user(actor, action, card)
        if refusal:
            raise ActionForbidden(refusal)
        if not can_proceed(getattr(card, action)):
            raise ActionNotPossible(
                _("“%(action)s” is not possible for a card that is %(state)s.")
                % {"action": spec.label, "state": card.get_state_display()})
        refusal = rules.action_refusal(card, action, params, today)
        if refusal:
            raise ActionRefused(refusal)

        from_state = card.state
        details: dict = {}
        try:
            if action == "replace":
                details = _replace(card, actor=actor, source=source, today=today, **params)
            else:
                if action == "extend":
                    details = _extend(card, params["written_file"], today)
                elif action == "confirm_hologram":
                    card.confirm_hologram()
                    details = {"hologram_number": params["hologram_number"]}
                elif action == "decide_invalidation":
                    card.decide_invalidation(ground=params["ground"])
                    details = {"ground": params["ground"]}
                else:
                    getattr(card, action)()
                card.save()
        except ConcurrentTransition as exc:
            raise CardConflict(_("Someone else changed this card in the meantime.")) from exc
        context = context or {}
        event = _record(card, action=action, from_state=from_state, actor=actor, source=source,
                        reason=note.strip(), details={**details, **context})
        if action == "confirm_hologram":
            _stick_hologram(card, event, params["hologram_number"])
        run_transition_hooks(card=card, event=event, actor=actor, context=context)
        _notify_after_commit(event)
    return card


def available_actions(card: Card, user: Any, today: dt.date | None = None) -> list[dict]:
    """Actions the card's state allows and the user's role permits, each with the rule's
    verdict right now (`refusal` is None when the action can be done)."""
    today = today or timezone.localdate()
    options = []
    for name, spec in ACTIONS.items():
        if card.state in (CardState.INVALIDATED, CardState.REPLACED):
            break
        if not can_proceed(getattr(card, name)):
            continue
        if policy.refusal_for_user(user, name, card):
            continue
        options.append({"action": spec, "refusal": rules.action_refusal(card, name, {}, today)})
    return options
