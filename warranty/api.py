"""The cases REST API: thin viewsets over `warranty.selectors` and `warranty.services`.

A case the caller may not see is a 404; every change goes through a service, whose
errors the project's exception handler turns into {"code", "detail"} with 400/403/409.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cards.api_errors import error_response
from cards.api_paging import CappedSearchPagination
from cards.models import EventSource
from cards.roles import is_staff_member

from . import services
from .filters import CaseFilter
from .models import Case
from .selectors import (
    case_detail_for_user,
    case_get_for_user,
    case_list_for_user,
    case_queue_counts,
)
from .serializers import (
    CASE_DETAIL_FOR_CALLER,
    CASE_LIST_ITEM,
    COMMENTS_FOR_CALLER,
    AssignInputSerializer,
    AttemptInputSerializer,
    CaseCreateSerializer,
    CaseDetailSerializer,
    CaseSerializer,
    CaseTransitionInputSerializer,
    CommentSerializer,
    HolderCaseDetailSerializer,
    HolderCaseSerializer,
    HolderCommentSerializer,
    PaymentInputSerializer,
    PaymentSerializer,
    QueueCountSerializer,
)

ERRORS = {
    400: error_response(
        _("Invalid input, or a rule of the procedure refuses it (reason in `detail`).")),
    403: error_response(_("Your role or unit does not allow this.")),
    404: error_response(_("No such case, or you may not see it.")),
    409: error_response(
        _("The case's state does not allow this, or someone else changed it meanwhile.")),
}
TAGS = ["cases"]


@extend_schema_view(
    list=extend_schema(summary=_("Cases you may see (filter by queue, kind, state, unit…)"),
                       tags=TAGS, responses={200: CASE_LIST_ITEM, 400: ERRORS[400]}),
    retrieve=extend_schema(
        summary=_("One case with its timeline and the steps you can take now"), tags=TAGS,
        responses={200: CASE_DETAIL_FOR_CALLER, 404: ERRORS[404]}),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    pagination_class = CappedSearchPagination  # `?q=` counted as the queue page counts it
    queryset = Case.objects.none()  # for the schema; requests use get_queryset
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[Case]:
        return case_list_for_user(self.request.user).order_by("state_changed_at", "pk")

    def _case(self) -> Case:
        return case_get_for_user(self.request.user, self.kwargs["pk"])

    def _for_staff(self) -> bool:
        return is_staff_member(self.request.user)

    def _detail_response(self, code: int = status.HTTP_200_OK) -> Response:
        detail = case_detail_for_user(self.request.user, self.kwargs["pk"])
        shape = CaseDetailSerializer if self._for_staff() else HolderCaseDetailSerializer
        return Response(shape(detail).data, status=code)

    def get_serializer_class(self):
        return CaseSerializer if self._for_staff() else HolderCaseSerializer

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail_response()

    @extend_schema(summary=_("Open a case about a card"), tags=TAGS,
                   request=CaseCreateSerializer,
                   responses={201: CASE_DETAIL_FOR_CALLER, **ERRORS})
    def create(self, request: Request) -> Response:
        data = CaseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        case = services.case_open(
            card_id=values["card"], kind=values["kind"], actor=request.user,
            source=EventSource.API, note=values["note"],
            extension_error=values["extension_error"], ground=values["ground"])
        self.kwargs["pk"] = case.pk
        return self._detail_response(status.HTTP_201_CREATED)

    @extend_schema(summary=_("Your queues with their sizes"), tags=TAGS,
                   responses={200: QueueCountSerializer(many=True)})
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def queues(self, request: Request) -> Response:
        return Response(QueueCountSerializer(case_queue_counts(request.user), many=True).data)

    @extend_schema(
        summary=_("Take a step on the case"),
        description=_("Send the step's parameters with it: `checklist` for approve_warranty "
                      "and require_duplicate; `new_number` and `new_chip_serial` for "
                      "hand_over. Errors come as {\"code\": …, \"detail\": …}."),
        tags=TAGS, request=CaseTransitionInputSerializer,
        responses={200: CASE_DETAIL_FOR_CALLER, **ERRORS})
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str) -> Response:
        case = self._case()
        data = CaseTransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.case_act(
            case_id=case.pk, action=data.validated_data["action"], actor=request.user,
            source=EventSource.API, expected_state=data.validated_data.get("expected_state"),
            note=data.validated_data["note"], **data.params())
        return self._detail_response()

    @extend_schema(methods=["get"], summary=_("Comments on the case"), tags=TAGS,
                   responses={200: COMMENTS_FOR_CALLER, 404: ERRORS[404]})
    @extend_schema(methods=["post"], summary=_("Add a comment"), tags=TAGS,
                   request=CommentSerializer, responses={201: CommentSerializer, **ERRORS})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def comments(self, request: Request, pk: str) -> Response:
        case = self._case()
        if request.method == "GET":
            comments = case.comments.all()
            if self._for_staff():
                return Response(CommentSerializer(comments, many=True).data)
            comments = [c for c in comments if c.visible_to_holder]
            return Response(HolderCommentSerializer(comments, many=True).data)
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.case_comment_add(
            case_id=case.pk, actor=request.user, body=data.validated_data["body"],
            visible_to_holder=data.validated_data.get("visible_to_holder", False))
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Record the duplicate fee paid, waived or refunded"), tags=TAGS,
                   request=PaymentInputSerializer, responses={200: PaymentSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def payment(self, request: Request, pk: str) -> Response:
        case = self._case()
        data = PaymentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values, common = data.validated_data, {"case_id": case.pk, "actor": request.user,
                                               "source": EventSource.API}
        if values["action"] == "pay":
            payment = services.payment_mark_paid(
                **common, reference=values["reference"], paid_on=values["paid_on"])
        elif values["action"] == "waive":
            payment = services.payment_waive(**common, reason=values["reason"])
        else:
            payment = services.payment_refund(**common, reason=values["reason"])
        return Response(PaymentSerializer(payment).data)

    @extend_schema(summary=_("Record an extension attempt"), tags=TAGS,
                   request=AttemptInputSerializer,
                   responses={200: CaseDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def attempts(self, request: Request, pk: str) -> Response:
        case = self._case()
        data = AttemptInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.case_record_attempt(case_id=case.pk, actor=request.user,
                                     source=EventSource.API, **data.validated_data)
        return self._detail_response()

    @extend_schema(summary=_("Assign the case to a staff member (null: nobody)"), tags=TAGS,
                   request=AssignInputSerializer, responses={200: CaseSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        case = self._case()
        data = AssignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_assign(case_id=case.pk, actor=request.user, source=EventSource.API,
                                    assignee_id=data.validated_data["assignee"])
        return Response(CaseSerializer(case_get_for_user(request.user, case.pk)).data)
