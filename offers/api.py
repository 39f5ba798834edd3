"""The offers API, under /api/v1/offers/ (documents and contacts: ``attachments_api``)."""

import django_filters
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from cosell.core import clock
from cosell.core.errors import ValidationFailed
from cosell.partners.models import Partner, SolutionArea
from offers import selectors, services
from offers.api_common import ERRORS, READ_ERRORS, error_responses, require_perm
from offers.attachments_api import ContactViewSet, DocumentViewSet
from offers.models import BadgeState, CoSellStatus, Offer, OfferType


class OfferSerializer(serializers.ModelSerializer):
    partner = serializers.PrimaryKeyRelatedField(
        queryset=Partner.objects.all(),
        required=False,
        help_text=_("Staff only, on create: the partner the offer belongs to."),
    )
    store = serializers.CharField(read_only=True)
    solution_areas = serializers.ListField(
        child=serializers.ChoiceField(choices=SolutionArea.choices), required=False
    )
    technical_validation = serializers.ChoiceField(
        choices=Offer.TechnicalValidation.choices,
        required=False,
        help_text=_(
            "Staff only (pending, passed, failed). A partner submits its offer with "
            "POST .../technical-validation/submit/."
        ),
    )

    class Meta:
        model = Offer
        fields = [
            "id",
            "partner",
            "name",
            "offer_type",
            "store",
            "listing_state",
            "transactable",
            "has_paid_plan",
            "billed_revenue_12m_usd",
            "solution_type",
            "solution_areas",
            "is_office_add_in",
            "technical_validation",
            "isv_connect_enrolled",
            "co_sell_status",
            "status_changed_at",
            "badge_state",
            "badge_due_at",
            "badge_visible_since",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "co_sell_status",
            "status_changed_at",
            "badge_state",
            "badge_due_at",
            "badge_visible_since",
            "created_at",
            "updated_at",
        ]


class RequirementSerializer(serializers.Serializer):
    code = serializers.CharField()
    met = serializers.BooleanField()
    detail = serializers.CharField()
    level = serializers.CharField()


class BenefitSerializer(serializers.Serializer):
    code = serializers.CharField()
    applies = serializers.BooleanField()
    label = serializers.CharField()
    reason = serializers.CharField()


class BadgeSerializer(serializers.Serializer):
    # Plain strings here: the enums are named once, on the offer (badge_state, co_sell_status).
    state = serializers.CharField(help_text=_("One of: none, pending, visible, removal_pending."))
    visible_from = serializers.DateTimeField(allow_null=True)
    changes_at = serializers.DateTimeField(allow_null=True)


class CoSellSerializer(serializers.Serializer):
    status = serializers.CharField(help_text=_("The co-sell status the offer holds."))
    evaluated_status = serializers.CharField(
        help_text=_("The status the checklist gives now (the offer moves to it shortly).")
    )
    checklist = RequirementSerializer(many=True)
    next_missing = serializers.CharField(allow_null=True)
    benefits = BenefitSerializer(many=True)
    badge = BadgeSerializer()


def co_sell_payload(offer: Offer) -> dict:
    co_sell = selectors.offer_co_sell(offer=offer)
    evaluation, missing = co_sell["evaluation"], co_sell["next_missing"]
    return {
        "status": offer.co_sell_status,
        "evaluated_status": evaluation.status,
        "checklist": [r.as_dict() for r in evaluation.checklist],
        "next_missing": missing.code if missing else None,
        "benefits": [b.as_dict() for b in co_sell["benefits"]],
        "badge": {
            "state": offer.badge_state,
            "visible_from": co_sell["badge_visible_from"],
            "changes_at": offer.badge_due_at,
        },
    }


class OfferFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        field_name="co_sell_status", choices=CoSellStatus.choices
    )
    type = django_filters.MultipleChoiceFilter(field_name="offer_type", choices=OfferType.choices)
    listing_state = django_filters.ChoiceFilter(choices=Offer.ListingState.choices)
    badge_state = django_filters.ChoiceFilter(choices=BadgeState.choices)

    class Meta:
        model = Offer
        fields = ["status", "type", "listing_state", "badge_state"]


# Facts Microsoft measures, the validation result and the partner: the portal's admins only.
ADMIN_ONLY_OFFER_FIELDS = ("technical_validation", "partner", *services.MEASURED_FIELDS)


def _split(data: dict) -> tuple[dict, dict, str | None]:
    """(partner-kept fields, measured facts, validation result) of validated input."""
    validation = data.pop("technical_validation", None)
    facts = {name: data.pop(name) for name in services.MEASURED_FIELDS if name in data}
    return data, facts, validation


@extend_schema_view(
    list=extend_schema(responses={200: OfferSerializer(many=True), 400: ERRORS[400]}),
    retrieve=extend_schema(responses={200: OfferSerializer, **READ_ERRORS}),
    create=extend_schema(responses={201: OfferSerializer, **error_responses(400, 403)}),
    partial_update=extend_schema(
        responses={200: OfferSerializer, **error_responses(400, 403, 404)}
    ),
)
class OfferViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Offers of your partner (staff: all; Microsoft sellers: co-sell-ready offers, read-only)."""

    serializer_class = OfferSerializer
    filterset_class = OfferFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.offer_list(user=self.request.user).order_by("name", "id")

    def _refuse_admin_fields(self, request) -> None:
        if request.user.has_perm("offers.set_technical_validation"):
            return
        data = request.data if isinstance(request.data, dict) else {}
        refused = [name for name in ADMIN_ONLY_OFFER_FIELDS if name in data]
        if refused:
            raise PermissionDenied(
                _(
                    "Only the portal's administrators may set these fields: %(fields)s. Ask them "
                    "for a change."
                )
                % {"fields": ", ".join(refused)}
            )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        partner = data.pop("partner", None)
        data, facts, validation = _split(data)
        if not request.user.is_staff:
            partner = request.user.partner
            if partner is None:
                raise PermissionDenied()
        elif partner is None:
            raise ValidationFailed({"partner": [_("Staff must name the partner.")]})
        require_perm(request, "offers.manage_offer", partner)
        self._refuse_admin_fields(request)
        now = clock.now()
        offer = services.offer_create(partner=partner, actor=request.user, now=now, **data)
        if facts:
            services.offer_facts_set(offer_id=offer.pk, actor=request.user, now=now, **facts)
        if validation:
            services.offer_set_technical_validation(
                offer_id=offer.pk, value=validation, actor=request.user, now=now
            )
        offer = self.get_queryset().get(pk=offer.pk)
        return Response(self.get_serializer(offer).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        offer = self.get_object()
        require_perm(request, "offers.manage_offer", offer)
        self._refuse_admin_fields(request)
        if "partner" in request.data:
            raise ValidationFailed({"partner": [_("An offer cannot move to another partner.")]})
        serializer = self.get_serializer(offer, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data, facts, validation = _split(dict(serializer.validated_data))
        now = clock.now()
        if data:
            services.offer_update(offer_id=offer.pk, actor=request.user, now=now, **data)
        if facts:
            services.offer_facts_set(offer_id=offer.pk, actor=request.user, now=now, **facts)
        if validation:
            services.offer_set_technical_validation(
                offer_id=offer.pk, value=validation, actor=request.user, now=now
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=offer.pk)).data)

    def _validation(self, request, perm: str, service):
        offer = self.get_object()
        require_perm(request, perm, offer)
        service(offer_id=offer.pk, actor=request.user, now=clock.now())
        return Response(self.get_serializer(self.get_queryset().get(pk=offer.pk)).data)

    @extend_schema(request=None, responses={200: OfferSerializer, **error_responses(403, 404, 409)})
    @action(detail=True, methods=["post"], url_path="technical-validation/submit")
    def technical_validation_submit(self, request, pk=None):
        """Submit the offer for technical validation (partner admins): state ``pending``."""
        return self._validation(
            request,
            "offers.submit_technical_validation",
            services.offer_technical_validation_submit,
        )

    @extend_schema(request=None, responses={200: OfferSerializer, **error_responses(403, 404, 409)})
    @action(detail=True, methods=["post"], url_path="technical-validation/pass")
    def technical_validation_pass(self, request, pk=None):
        """Pass the offer's technical validation (staff)."""
        return self._validation(
            request, "offers.set_technical_validation", services.offer_technical_validation_pass
        )

    @extend_schema(request=None, responses={200: OfferSerializer, **error_responses(403, 404, 409)})
    @action(detail=True, methods=["post"], url_path="technical-validation/fail")
    def technical_validation_fail(self, request, pk=None):
        """Fail the offer's technical validation (staff)."""
        return self._validation(
            request, "offers.set_technical_validation", services.offer_technical_validation_fail
        )

    @extend_schema(responses={200: CoSellSerializer, **READ_ERRORS})
    @action(detail=True, methods=["get"], url_path="co-sell")
    def co_sell(self, request, pk=None):
        """The offer's co-sell status, its checklist, benefits and badge."""
        return Response(CoSellSerializer(co_sell_payload(self.get_object())).data)


router = SimpleRouter()


router.register("offers", OfferViewSet, basename="api-offer")


nested = SimpleRouter()


nested.register("documents", DocumentViewSet, basename="api-offer-document")


nested.register("contacts", ContactViewSet, basename="api-offer-contact")


urlpatterns = [
    *router.urls,
    path("offers/<int:offer_pk>/", include(nested.urls)),
]
