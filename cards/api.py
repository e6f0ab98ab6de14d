"""The cards REST API: thin viewsets over the selectors and `card_act`.

Visibility comes from the selectors (a card or holder the caller may not see is a 404);
every state change goes through `cards.services.card_act`, whose errors the project's
exception handler turns into {"code", "detail"} with 400/403/409.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from .api_errors import error_response
from .api_paging import CappedSearchPagination
from .filters import CardFilter
from .hologram_batch import confirm_holograms
from .models import Card, EventSource, Holder, Unit
from .roles import is_staff_member
from .selectors import (
    card_get_for_user,
    card_list_for_user,
    holder_card_view,
    holder_get_for_user,
)
from .serializers import (
    CardDetailSerializer,
    CardSerializer,
    CardTransitionInputSerializer,
    HolderCardSerializer,
    HolderDetailSerializer,
    HologramBatchInputSerializer,
    HologramBatchResultSerializer,
    UnitSerializer,
)
from .services import card_act

ERROR_RESPONSES = {
    400: error_response(_("Invalid input, or a rule of the procedure refuses it (the rule's "
                          "reason is in `detail`).")),
    403: error_response(_("Your role or unit does not allow this action.")),
    404: error_response(_("No such card, or you may not see it.")),
    409: error_response(_("The card's state does not allow this action, or someone else "
                          "changed the card meanwhile.")),
}


# Staff get the card as the office sees it; a holder gets what the holder's pages show.
CARD_FOR_CALLER = PolymorphicProxySerializer(
    component_name="CardForCaller", serializers=[CardDetailSerializer, HolderCardSerializer],
    resource_type_field_name=None)
CARD_LIST_ITEM = PolymorphicProxySerializer(
    component_name="CardListItem", serializers=[CardSerializer, HolderCardSerializer],
    resource_type_field_name=None, many=True)


@extend_schema_view(
    list=extend_schema(summary=_("Cards you may see"), tags=["cards"],
                       responses={200: CARD_LIST_ITEM, 400: ERROR_RESPONSES[400]}),
    retrieve=extend_schema(
        summary=_("One card with its history and the actions you can take now"),
        tags=["cards"], responses={200: CARD_FOR_CALLER, 404: ERROR_RESPONSES[404]},
    ),
)
class CardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CardSerializer
    filterset_class = CardFilter
    pagination_class = CappedSearchPagination  # `?q=` counted as the card list counts it
    queryset = Card.objects.none()  # for the schema; requests use get_queryset
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[Card]:
        cards = card_list_for_user(self.request.user).select_related("replacement")
        return cards if self._for_staff() else cards.prefetch_related("events")

    def get_object(self) -> Card:
        return card_get_for_user(self.request.user, self.kwargs["pk"])

    def get_serializer_class(self):
        return CardSerializer if self.action == "list" else CardDetailSerializer

    def _for_staff(self) -> bool:
        return is_staff_member(self.request.user)

    def _card_response(self, card: Card) -> Response:
        if self._for_staff():
            return Response(self.get_serializer(card).data)
        return Response(HolderCardSerializer(holder_card_view(card)).data)

    def list(self, request: Request, *args, **kwargs) -> Response:
        if self._for_staff():
            return super().list(request, *args, **kwargs)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        views = [holder_card_view(card) for card in page]
        return self.get_paginated_response(HolderCardSerializer(views, many=True).data)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return self._card_response(self.get_object())

    @extend_schema(
        summary=_("Perform an action on the card"),
        description=_("Moves the card through its life cycle. Send the action's parameters "
                      "with it (`ground` for decide_invalidation; `replacement_reason`, "
                      "`new_number`, `new_chip_serial` for replace). Errors come as "
                      '{"code": …, "detail": …}.'),
        tags=["cards"],
        request=CardTransitionInputSerializer,
        responses={200: CARD_FOR_CALLER, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str) -> Response:
        card = self.get_object()
        data = CardTransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        card_act(
            card_id=card.pk, action=data.validated_data["action"], actor=request.user,
            source=EventSource.API, expected_state=data.validated_data.get("expected_state"),
            note=data.validated_data["note"], **data.params(),
        )
        return self._card_response(self.get_object())

    @extend_schema(
        summary=_("Confirm the holograms of several cards at once"),
        description=_("Each card awaiting a hologram gets its number, in its own "
                      "transaction: a refused card (its reason in `detail`) leaves the "
                      "others confirmed. A card you may not see, or a card or number "
                      "listed twice, rejects the whole request and changes nothing."),
        tags=["cards"],
        request=HologramBatchInputSerializer,
        responses={200: HologramBatchResultSerializer, 400: ERROR_RESPONSES[400]},
    )
    @action(detail=False, methods=["post"], url_path="confirm-holograms")
    def confirm_holograms(self, request: Request) -> Response:
        data = HologramBatchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entries = data.validated_data["holograms"]
        cards = card_list_for_user(request.user).in_bulk([entry["card"] for entry in entries])
        unknown = [entry["card"] for entry in entries if entry["card"] not in cards]
        if unknown:
            raise ValidationError({"holograms": [
                _("No such card, or you may not see it: %(card)s.") % {"card": pk}
                for pk in unknown]})
        outcomes = confirm_holograms(
            entries=[(cards[entry["card"]], entry["hologram_number"]) for entry in entries],
            actor=request.user, source=EventSource.API)
        return Response(HologramBatchResultSerializer({"results": outcomes}).data)


@extend_schema_view(list=extend_schema(summary=_("Organisational units"), tags=["units"]))
class UnitViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = UnitSerializer
    queryset = Unit.objects.order_by("code")
    pagination_class = None


@extend_schema_view(retrieve=extend_schema(
    summary=_("A holder with the cards you may see and their programmes"), tags=["holders"],
    responses={200: HolderDetailSerializer, 404: ERROR_RESPONSES[404]},
))
class HolderViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = HolderDetailSerializer
    queryset = Holder.objects.none()  # for the schema; requests use get_object
    lookup_value_converter = "int"

    def get_object(self) -> Holder:
        return holder_get_for_user(self.request.user, self.kwargs["pk"])
