"""An offer's documents and contacts, under /api/v1/offers/<id>/documents/ and .../contacts/."""

from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from cosell.core import clock
from cosell.core.errors import ValidationFailed
from cosell.core.job_views import JobSerializer
from cosell.core.job_views import accepted as job_accepted
from cosell.core.limits import MULTIPART_SLACK
from cosell.core.parsers import ObjectJSONParser
from offers import import_jobs, selectors, services
from offers.api_common import READ_ERRORS, error_responses, require_perm
from offers.files import max_upload_bytes
from offers.models import Offer, OfferContact, OfferDocument


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
    create=extend_schema(responses={201: DocumentSerializer, **error_responses(400, 403, 404)}),
    destroy=extend_schema(responses={204: None, **error_responses(403, 404)}),
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
        require_perm(request, "offers.manage_offer", offer)
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
        require_perm(request, "offers.manage_offer", self.get_offer())
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
    create=extend_schema(responses={201: ContactSerializer, **error_responses(400, 403, 404)}),
    destroy=extend_schema(responses={204: None, **error_responses(403, 404)}),
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
        require_perm(request, "offers.manage_offer", offer)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contact = services.offer_contact_add(
            offer_id=offer.pk, actor=request.user, now=clock.now(), **serializer.validated_data
        )
        return Response(self.get_serializer(contact).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        contact = self.get_object()
        require_perm(request, "offers.manage_offer", self.get_offer())
        services.offer_contact_delete(contact_id=contact.pk, actor=request.user, now=clock.now())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request={"multipart/form-data": ContactImportSerializer},
        responses={202: JobSerializer, **error_responses(400, 403, 404)},
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_csv(self, request, *args, **kwargs):
        """Import contacts from CSV as a background job: every row is checked at once (any
        bad row: 400, each problem in ``rows`` by line, field and message, nothing started);
        then 202 with the job's address (``Location``); the job adds them all or none."""
        offer = self.get_offer()
        require_perm(request, "offers.manage_offer", offer)
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
