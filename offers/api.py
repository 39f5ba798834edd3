"""The offers API: offers, their co-sell status, documents and contacts.

Tenancy comes from ``offers.selectors`` (an offer outside the caller's reach is 404); writes go
through ``offers.services``; who may write is asked of ``offers.rules`` (403 when the caller can
see the object but not change it).
"""

import django_filters
from django.http import FileResponse
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from cosell.core import clock
from cosell.core.api import ErrorSerializer
from cosell.core.errors import ValidationFailed
from cosell.core.job_views import JobSerializer
from cosell.core.job_views import accepted as job_accepted
from cosell.core.limits import MULTIPART_SLACK
from cosell.core.parsers import ObjectJSONParser
from cosell.partners.models import Partner, SolutionArea

from . import import_jobs, selectors, services
from .files import max_upload_bytes
from .models import BadgeState, CoSellStatus, Offer, OfferContact, OfferDocument, OfferType

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description=_("Invalid input, by field.")),
    403: OpenApiResponse(ErrorSerializer, description=_("You may see this but not change it.")),
    404: OpenApiResponse(ErrorSerializer, description=_("Not found or outside your reach.")),
    409: OpenApiResponse(ErrorSerializer, description=_("The state does not allow this move.")),
}
READ_ERRORS = {404: ERRORS[404]}


def _errors(*codes):
    return {code: ERRORS[code] for code in codes}


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


def _require(request, perm: str, obj) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied()


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
    create=extend_schema(responses={201: OfferSerializer, **_errors(400, 403)}),
    partial_update=extend_schema(responses={200: OfferSerializer, **_errors(400, 403, 404)}),
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
        _require(request, "offers.manage_offer", partner)
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
        _require(request, "offers.manage_offer", offer)
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
        _require(request, perm, offer)
        service(offer_id=offer.pk, actor=request.user, now=clock.now())
        return Response(self.get_serializer(self.get_queryset().get(pk=offer.pk)).data)

    @extend_schema(request=None, responses={200: OfferSerializer, **_errors(403, 404, 409)})
    @action(detail=True, methods=["post"], url_path="technical-validation/submit")
    def technical_validation_submit(self, request, pk=None):
        """Submit the offer for technical validation (partner admins): state ``pending``."""
        return self._validation(
            request,
            "offers.submit_technical_validation",
            services.offer_technical_validation_submit,
        )

    @extend_schema(request=None, responses={200: OfferSerializer, **_errors(403, 404, 409)})
    @action(detail=True, methods=["post"], url_path="technical-validation/pass")
    def technical_validation_pass(self, request, pk=None):
        """Pass the offer's technical validation (staff)."""
        return self._validation(
            request, "offers.set_technical_validation", services.offer_technical_validation_pass
        )

    @extend_schema(request=None, responses={200: OfferSerializer, **_errors(403, 404, 409)})
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


class DocumentSerializer(serializers.ModelSerializer):
    file = serializers.FileField(write_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = OfferDocument
        fields = [
            "id",
            "kind",
            "file",
            "original_name",
            "extension",
            "content_type",
            "size",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = ["original_name", "extension", "content_type", "size", "uploaded_at"]

    def get_download_url(self, document) -> str:
        request = self.context.get("request")
        url = f"/api/v1/offers/{document.offer_id}/documents/{document.pk}/file/"
        return request.build_absolute_uri(url) if request else url


@extend_schema_view(
    list=extend_schema(responses={200: DocumentSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: DocumentSerializer, **READ_ERRORS}),
    create=extend_schema(responses={201: DocumentSerializer, **_errors(400, 403, 404)}),
    destroy=extend_schema(responses={204: None, **_errors(403, 404)}),
)
class DocumentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Co-sell documents of an offer: for the offer's partner and staff, and for Microsoft
    sellers (read-only) once the offer is co-sell ready."""

    serializer_class = DocumentSerializer
    parser_classes = [MultiPartParser, FormParser]
    max_request_bytes = staticmethod(lambda: max_upload_bytes() + MULTIPART_SLACK)
    pagination_class = None

    def get_offer(self) -> Offer:
        if not hasattr(self, "_offer"):
            self._offer = selectors.offer_get_for_files(
                user=self.request.user, offer_id=self.kwargs["offer_pk"]
            )
        return self._offer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return OfferDocument.objects.none()
        return selectors.document_list(offer=self.get_offer())

    def create(self, request, *args, **kwargs):
        offer = self.get_offer()
        _require(request, "offers.manage_offer", offer)
        kind = request.data.get("kind") or ""
        document = services.offer_document_upload(
            offer_id=offer.pk,
            kind=str(kind),
            upload=request.FILES.get("file"),
            actor=request.user,
            now=clock.now(),
        )
        return Response(self.get_serializer(document).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        document = self.get_object()
        _require(request, "offers.manage_offer", self.get_offer())
        services.offer_document_delete(document_id=document.pk, actor=request.user, now=clock.now())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        responses={(200, "application/octet-stream"): bytes, **READ_ERRORS},
    )
    @action(detail=True, methods=["get"])
    def file(self, request, *args, **kwargs):
        """The document's file, named as it was uploaded."""
        document = self.get_object()
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.original_name,
            content_type=document.content_type,
        )


class ContactSerializer(serializers.ModelSerializer):
    countries = serializers.ListField(
        child=serializers.CharField(max_length=3),
        help_text=_('ISO-3166 alpha-2 codes; ["OOO"] means all countries.'),
    )

    class Meta:
        model = OfferContact
        fields = ["id", "name", "email", "job_title", "role", "countries", "created_at"]
        read_only_fields = ["created_at"]


class ContactImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_(
            "CSV with columns name,email,job_title,role,countries (separated by ; or space)."
        )
    )


@extend_schema_view(
    list=extend_schema(responses={200: ContactSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: ContactSerializer, **READ_ERRORS}),
    create=extend_schema(responses={201: ContactSerializer, **_errors(400, 403, 404)}),
    destroy=extend_schema(responses={204: None, **_errors(403, 404)}),
)
class ContactViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Co-sell contacts of an offer (whoever sees the offer sees them)."""

    serializer_class = ContactSerializer
    parser_classes = [ObjectJSONParser, MultiPartParser, FormParser]
    max_request_bytes_by_action = {"import_csv": services.MAX_IMPORT_BYTES + MULTIPART_SLACK}
    pagination_class = None

    def get_offer(self) -> Offer:
        if not hasattr(self, "_offer"):
            self._offer = selectors.offer_get(
                user=self.request.user, offer_id=self.kwargs["offer_pk"]
            )
        return self._offer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return OfferContact.objects.none()
        return selectors.contact_list(offer=self.get_offer())

    def create(self, request, *args, **kwargs):
        offer = self.get_offer()
        _require(request, "offers.manage_offer", offer)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contact = services.offer_contact_add(
            offer_id=offer.pk, actor=request.user, now=clock.now(), **serializer.validated_data
        )
        return Response(self.get_serializer(contact).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        contact = self.get_object()
        _require(request, "offers.manage_offer", self.get_offer())
        services.offer_contact_delete(contact_id=contact.pk, actor=request.user, now=clock.now())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request={"multipart/form-data": ContactImportSerializer},
        responses={202: JobSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_csv(self, request, *args, **kwargs):
        """Import contacts from CSV as a background job: every row is checked at once (any
        bad row: 400, each problem in ``rows`` by line, field and message, nothing started);
        then 202 with the job's address (``Location``); the job adds them all or none."""
        offer = self.get_offer()
        _require(request, "offers.manage_offer", offer)
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed({"file": [_("Choose a CSV file.")]})
        membership = request.user.membership_or_none
        job = import_jobs.start(
            offer=offer,
            user=request.user,
            partner_id=membership.partner_id if membership is not None else None,
            raw=upload.read(services.MAX_IMPORT_BYTES + 1),
            filename=upload.name or "",
        )
        return job_accepted(job, request)


router = SimpleRouter()
router.register("offers", OfferViewSet, basename="api-offer")
nested = SimpleRouter()
nested.register("documents", DocumentViewSet, basename="api-offer-document")
nested.register("contacts", ContactViewSet, basename="api-offer-contact")

urlpatterns = [
    *router.urls,
    path("offers/<int:offer_pk>/", include(nested.urls)),
]
