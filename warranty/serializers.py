"""What the cases API shows and accepts. Serializers render and check the input's shape;
every rule and every state change stays in `warranty.services`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from cards.models import Card, InvalidationGround
from cards.serializers import HolderRefSerializer, UnitSerializer

from .models import (
    Assessment,
    Case,
    CaseKind,
    CaseState,
    Comment,
    ExtensionAttempt,
    ExtensionError,
    Payment,
)
from .notifications import HOLDER_STATUS_TEXT
from .rules import CHECKLIST_FIELDS
from .transitions import TRANSITIONS


class CardRefSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Card
        fields = ["id", "kind", "number", "state", "state_label"]


class CaseSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    card = CardRefSerializer(read_only=True)
    unit = UnitSerializer(read_only=True)
    assigned_to = serializers.CharField(source="assigned_to.username", read_only=True,
                                        default=None, allow_null=True)

    class Meta:
        model = Case
        fields = ["id", "number", "kind", "kind_label", "state", "state_label", "card", "unit",
                  "assigned_to", "description", "extension_error", "invalidation_ground",
                  "created_at", "state_changed_at"]


class PaymentSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Payment
        fields = ["amount", "currency", "status", "status_label", "reference", "paid_on",
                  "waived_reason", "refund_reason", "created_at"]


class AssessmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Assessment
        fields = [*CHECKLIST_FIELDS, "other_note", "outcome", "at"]


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExtensionAttempt
        fields = ["succeeded", "note", "at"]


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()
    actor = serializers.CharField()


class StepSerializer(serializers.Serializer):
    action = serializers.CharField(source="transition.name")
    label = serializers.CharField(source="transition.label")
    help = serializers.CharField(source="transition.help")
    params = serializers.ListField(child=serializers.CharField(), source="transition.params")
    note_required = serializers.BooleanField(source="transition.note_required")
    refusal = serializers.CharField(allow_null=True)


class RemedySerializer(serializers.Serializer):
    meaning = serializers.CharField()
    steps = serializers.ListField(child=serializers.CharField())
    escalation = serializers.CharField()


class CaseDetailSerializer(serializers.Serializer):
    """Rendered from a `selectors.CaseDetail`."""

    case = CaseSerializer()
    holder = HolderRefSerializer(source="case.holder")
    payment = serializers.SerializerMethodField()
    assessment = serializers.SerializerMethodField()
    attempts = AttemptSerializer(source="case.attempts.all", many=True)
    new_card_id = serializers.IntegerField(source="case.new_card_id", allow_null=True)
    converted_to = serializers.CharField(source="case.converted_to.number", default=None,
                                         allow_null=True)
    timeline = TimelineEntrySerializer(many=True)
    available_transitions = StepSerializer(source="steps", many=True)
    remedy = RemedySerializer(allow_null=True)
    settlement_hint = serializers.CharField(allow_null=True)

    @extend_schema_field(PaymentSerializer(allow_null=True))
    def get_payment(self, detail: Any) -> dict | None:
        payment = getattr(detail.case, "payment", None)
        return PaymentSerializer(payment).data if payment else None

    @extend_schema_field(AssessmentSerializer(allow_null=True))
    def get_assessment(self, detail: Any) -> dict | None:
        assessment = getattr(detail.case, "assessment", None)
        return AssessmentSerializer(assessment).data if assessment else None


# --- what a holder sees: exactly what the holder's case page shows ---------------------

class HolderCaseSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    status_text = serializers.SerializerMethodField()
    card_number = serializers.CharField(source="card.number", read_only=True)
    fee_due = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["id", "number", "kind", "kind_label", "state", "state_label", "status_text",
                  "card_id", "card_number", "fee_due", "created_at"]

    def get_status_text(self, case: Case) -> str:
        return str(HOLDER_STATUS_TEXT[case.state])

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_fee_due(self, case: Case) -> str | None:
        payment = getattr(case, "payment", None)
        return payment.display_amount if payment and payment.status == "due" else None


class HolderTimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()


class HolderCaseDetailSerializer(serializers.Serializer):
    """A holder's `selectors.CaseDetail`: no staff note, attempt notes or staff names."""

    case = HolderCaseSerializer()
    timeline = HolderTimelineEntrySerializer(many=True)


class HolderCommentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Comment
        fields = ["id", "body", "created_at"]


class CaseCreateSerializer(serializers.Serializer):
    card = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=CaseKind.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    extension_error = serializers.ChoiceField(choices=ExtensionError.choices, required=False,
                                              allow_blank=True, default="")
    ground = serializers.ChoiceField(choices=InvalidationGround.choices, required=False,
                                     allow_blank=True, default="")


class ChecklistSerializer(serializers.Serializer):
    broken = serializers.BooleanField(default=False)
    bent = serializers.BooleanField(default=False)
    cracked = serializers.BooleanField(default=False)
    chip_damaged = serializers.BooleanField(default=False)
    chip_dirty_or_worn = serializers.BooleanField(default=False)
    other = serializers.BooleanField(default=False)
    other_note = serializers.CharField(required=False, allow_blank=True, default="",
                                       max_length=300)


class CaseTransitionInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[(name, spec.label) for name, spec in TRANSITIONS.items() if not spec.internal])
    expected_state = serializers.ChoiceField(choices=CaseState.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    checklist = ChecklistSerializer(required=False)
    new_number = serializers.CharField(required=False, max_length=30)
    new_chip_serial = serializers.CharField(required=False, max_length=64)

    def params(self) -> dict[str, Any]:
        """Only the parameters the chosen step takes; the service rejects anything else."""
        spec = TRANSITIONS[self.validated_data["action"]]
        return {name: self.validated_data[name] for name in spec.params
                if name in self.validated_data}


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True, default=None,
                                   allow_null=True)

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "visible_to_holder", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


class PaymentInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[("pay", _("paid")), ("waive", _("waive")),
                                              ("refund", _("refund"))])
    reference = serializers.CharField(required=False, allow_blank=True, default="",
                                      max_length=100)
    paid_on = serializers.DateField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def validate(self, data: dict) -> dict:
        if data["action"] == "pay" and not data.get("paid_on"):
            raise serializers.ValidationError({"paid_on": _("Enter the payment date.")})
        return data


class AttemptInputSerializer(serializers.Serializer):
    succeeded = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class AssignInputSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(allow_null=True)


class QueueCountSerializer(serializers.Serializer):
    name = serializers.CharField(source="queue.name")
    label = serializers.CharField(source="queue.label")
    count = serializers.IntegerField()


# Staff get the office view, a holder the holder view (schema: one of the two).
CASE_DETAIL_FOR_CALLER = PolymorphicProxySerializer(
    component_name="CaseDetailForCaller",
    serializers=[CaseDetailSerializer, HolderCaseDetailSerializer], resource_type_field_name=None)
CASE_LIST_ITEM = PolymorphicProxySerializer(
    component_name="CaseListItem", serializers=[CaseSerializer, HolderCaseSerializer],
    resource_type_field_name=None, many=True)
COMMENTS_FOR_CALLER = PolymorphicProxySerializer(
    component_name="CommentForCaller", serializers=[CommentSerializer, HolderCommentSerializer],
    resource_type_field_name=None, many=True)
