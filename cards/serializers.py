"""What the cards API shows and accepts. Serializers render and validate input shape;
every rule and every state change stays in `cards.services`.

PESEL numbers leave the server only masked (`Holder.masked_pesel`).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import holograms
from .actions import ACTIONS
from .models import (
    Card,
    CardEvent,
    CardState,
    Employment,
    Enrolment,
    Holder,
    Hologram,
    InvalidationGround,
    ReplacementReason,
    Unit,
)
from .rules import grounds_for_kind
from .services import available_actions


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name"]


class HolderRefSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)
    masked_pesel = serializers.CharField(read_only=True)

    class Meta:
        model = Holder
        fields = ["id", "full_name", "album_number", "employee_number", "masked_pesel"]


class HologramNumberField(serializers.CharField):
    """Eight digits (spaces and dashes between them are dropped), this university's code."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> str:
        number = holograms.normalise(super().to_internal_value(data))
        problem = holograms.number_format_problem(number)
        if problem:
            raise serializers.ValidationError(problem)
        return number


class HologramSerializer(serializers.ModelSerializer):
    confirmed_at = serializers.DateTimeField(source="event.at", read_only=True)
    confirmed_by = serializers.CharField(source="event.actor_name", read_only=True)

    class Meta:
        model = Hologram
        fields = ["number", "confirmed_at", "confirmed_by"]


class CardSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    serving_unit = UnitSerializer(read_only=True)
    holder = HolderRefSerializer(read_only=True)
    replaces_id = serializers.IntegerField(read_only=True, allow_null=True)
    replacement_id = serializers.SerializerMethodField()

    class Meta:
        model = Card
        fields = [
            "id", "kind", "kind_label", "number", "chip_serial", "state", "state_label",
            "valid_until", "issued_on", "hologram_count", "invalidation_ground",
            "serving_unit", "holder", "replaces_id", "replacement_id",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_replacement_id(self, card: Card) -> int | None:
        # Reverse one-to-one: the queryset selects it up front, so this costs no query.
        replacement = getattr(card, "replacement", None)
        return replacement.pk if replacement else None


class CardEventSerializer(serializers.ModelSerializer):
    from_state = serializers.CharField(read_only=True)
    from_label = serializers.CharField(source="from_state_label", read_only=True)
    to_state = serializers.CharField(read_only=True)
    to_label = serializers.CharField(source="to_state_label", read_only=True)
    who = serializers.CharField(source="actor_name", read_only=True)
    when = serializers.DateTimeField(source="at", read_only=True)

    class Meta:
        model = CardEvent
        fields = ["id", "action", "from_state", "from_label", "to_state", "to_label", "who",
                  "when", "source", "reason", "details"]


class ActionParamSerializer(serializers.Serializer):
    name = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField(), allow_null=True)


class TransitionOptionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    help = serializers.CharField()
    params = ActionParamSerializer(many=True)
    note_required = serializers.BooleanField()
    possible = serializers.BooleanField()
    refusal = serializers.CharField(allow_null=True)


def _param_choices(card: Card, param: str) -> list[str] | None:
    if param == "ground":
        return grounds_for_kind(card.kind)
    if param == "replacement_reason":
        return list(ReplacementReason.values)
    return None


def transition_options(card: Card, user: Any) -> list[dict]:
    """The actions the state and role allow, each with the rule's verdict right now."""
    options = []
    for option in available_actions(card, user):
        spec = option["action"]
        options.append({
            "name": spec.name,
            "label": str(spec.label),
            "help": str(spec.help),
            "params": [{"name": p, "choices": _param_choices(card, p)} for p in spec.params],
            "note_required": spec.note_required,
            "possible": option["refusal"] is None,
            "refusal": option["refusal"],
        })
    return options


class HolderCardEventSerializer(serializers.Serializer):
    when = serializers.DateTimeField(source="at")
    to_state = serializers.CharField(source="state")
    to_label = serializers.CharField(source="state_label")


class HolderCardSerializer(serializers.Serializer):
    """A `selectors.HolderCard`: what the holder's own pages show of a card."""

    id = serializers.IntegerField(source="card.id")
    kind = serializers.CharField(source="card.kind")
    kind_label = serializers.CharField(source="card.get_kind_display")
    number = serializers.CharField(source="card.number")
    state = serializers.CharField(source="card.state")
    state_label = serializers.CharField(source="card.get_state_display")
    valid_until = serializers.DateField(source="card.valid_until", allow_null=True)
    history = HolderCardEventSerializer(many=True)


class CardDetailSerializer(CardSerializer):
    available_transitions = serializers.SerializerMethodField()
    holograms = HologramSerializer(many=True, read_only=True)
    history = CardEventSerializer(source="events", many=True, read_only=True)

    class Meta(CardSerializer.Meta):
        fields = [*CardSerializer.Meta.fields, "available_transitions", "holograms", "history"]

    @extend_schema_field(TransitionOptionSerializer(many=True))
    def get_available_transitions(self, card: Card) -> list[dict]:
        return transition_options(card, self.context["request"].user)


class CardTransitionInputSerializer(serializers.Serializer):
    """One body for every action; the action's own parameters are required with it."""

    action = serializers.ChoiceField(choices=[(name, a.label) for name, a in ACTIONS.items()])
    expected_state = serializers.ChoiceField(
        choices=CardState.choices, required=False,
        help_text=_("The state the client last saw; a different current state is a conflict."),
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    ground = serializers.ChoiceField(choices=InvalidationGround.choices, required=False,
                                     help_text=_("For decide_invalidation."))
    replacement_reason = serializers.ChoiceField(choices=ReplacementReason.choices,
                                                 required=False, help_text=_("For replace."))
    new_number = serializers.CharField(max_length=30, required=False, help_text=_("For replace."))
    new_chip_serial = serializers.CharField(max_length=64, required=False,
                                            help_text=_("For replace."))
    hologram_number = HologramNumberField(required=False, help_text=_("For confirm_hologram."))

    PARAMS = ("ground", "replacement_reason", "new_number", "new_chip_serial", "hologram_number")

    def validate(self, attrs: dict) -> dict:
        spec = ACTIONS[attrs["action"]]
        errors = {}
        for param in self.PARAMS:
            if param in spec.params and not attrs.get(param):
                errors[param] = _("This field is required for “%(action)s”.") % {
                    "action": spec.name}
            elif param not in spec.params and param in attrs:
                errors[param] = _("“%(action)s” does not take this field.") % {
                    "action": spec.name}
        if spec.note_required and not attrs["note"].strip():
            errors["note"] = _("Please describe what happened.")
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def params(self) -> dict[str, str]:
        return {p: self.validated_data[p] for p in self.PARAMS if p in self.validated_data}


class HologramEntrySerializer(serializers.Serializer):
    card = serializers.IntegerField(min_value=1, help_text=_("The card's id."))
    hologram_number = HologramNumberField()


class HologramBatchInputSerializer(serializers.Serializer):
    holograms = HologramEntrySerializer(many=True, allow_empty=False, max_length=200)

    def validate_holograms(self, entries: list[dict]) -> list[dict]:
        for field, what in (("card", _("Card %(value)s is listed twice.")),
                            ("hologram_number", _("Number %(value)s is listed twice."))):
            values = [entry[field] for entry in entries]
            twice = sorted({str(v) for v in values if values.count(v) > 1})
            if twice:
                raise serializers.ValidationError([what % {"value": v} for v in twice])
        return entries


class HologramOutcomeSerializer(serializers.Serializer):
    card = serializers.IntegerField(source="card.pk")
    hologram_number = serializers.CharField(source="number")
    confirmed = serializers.BooleanField()
    code = serializers.CharField(source="refusal.code", allow_null=True, default=None)
    detail = serializers.CharField(source="refusal.message", allow_null=True, default=None)


class HologramBatchResultSerializer(serializers.Serializer):
    results = HologramOutcomeSerializer(many=True)


class CardSummarySerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    serving_unit = UnitSerializer(read_only=True)

    class Meta:
        model = Card
        fields = ["id", "kind", "number", "state", "state_label", "valid_until", "serving_unit"]


class EnrolmentSerializer(serializers.ModelSerializer):
    unit = UnitSerializer(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Enrolment
        fields = ["id", "unit", "programme_code", "programme_name", "level", "stage",
                  "cycle_code", "status", "status_label", "next_completion_date"]


class EmploymentSerializer(serializers.ModelSerializer):
    unit = UnitSerializer(read_only=True)

    class Meta:
        model = Employment
        fields = ["id", "unit", "position", "started_on", "ended_on"]


class HolderDetailSerializer(HolderRefSerializer):
    cards = CardSummarySerializer(source="visible_cards", many=True, read_only=True)
    enrolments = EnrolmentSerializer(many=True, read_only=True)
    employments = EmploymentSerializer(many=True, read_only=True)
    # Plain text: the address may have a Polish local part, which JSON Schema's "email"
    # format (ASCII only) would call invalid.
    email = serializers.CharField(read_only=True)

    class Meta(HolderRefSerializer.Meta):
        fields = [*HolderRefSerializer.Meta.fields, "first_name", "last_name", "email", "cards",
                  "enrolments", "employments"]
