"""Partner Center's Referrals API on the portal, under /v1.0/engagements/ (docs/partner-center.md).

Thin views: OData in (``odata``), rows from the portal's selectors (``selectors``), Referral JSON
out from what the access policy lets the caller see (``mapping``), changes through the portal's
services (``writes``). Errors keep the portal's error shape; the status codes are Microsoft's
(400, 401, 403, 404), with 409 for a move the state refuses and 412 for a stale If-Match.
"""

import re
from urllib.parse import urlencode

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cosell.core import clock
from cosell.core.api import ErrorSerializer
from cosell.core.authentication import BearerTokenAuthentication, TokenAuthentication
from cosell.core.errors import ValidationFailed
from cosell.core.parsers import MAX_DEPTH, depth_exceeds

from . import mapping, odata, patch, selectors, writes

TAG = "Partner Center Referrals API"


class ReferralJSONParser(JSONParser):
    """JSON bodies of the Referrals API: an object (a referral) or a list (a JSON Patch),
    nested at most ``MAX_DEPTH`` deep, like the portal's own parser."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON body is nested too deeply.")) from None
        if not isinstance(data, (dict, list)) or depth_exceeds(data, MAX_DEPTH):
            raise ParseError(_("Send a JSON object or a JSON Patch list."))
        return data


class JSONPatchParser(ReferralJSONParser):
    """RFC 6902's own media type, which JSON Patch clients may send."""

    media_type = "application/json-patch+json"


class IsPartnerMember(permissions.BasePermission):
    message = gettext_lazy("The Referrals API serves partners: use a token of a partner's member.")

    def has_permission(self, request, view):
        return request.user.partner is not None


# Partner Center's tracing headers, echoed back when they look like the GUIDs they are.
TRACE_HEADERS = ("MS-CorrelationId", "MS-RequestId")
TRACE_VALUE = re.compile(r"^[A-Za-z0-9-]{1,64}$")


class ReferralsBase(APIView):
    authentication_classes = [
        BearerTokenAuthentication,
        TokenAuthentication,
        SessionAuthentication,
    ]
    permission_classes = [permissions.IsAuthenticated, IsPartnerMember]
    parser_classes = [ReferralJSONParser, JSONPatchParser]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        for name in TRACE_HEADERS:
            value = request.headers.get(name, "")
            if TRACE_VALUE.match(value):
                response[name] = value
        return response

    @property
    def partner_id(self) -> int:
        return self.request.user.partner.pk

    def _get(self, referral_id: str):
        return selectors.referral_get(
            user=self.request.user, partner_id=self.partner_id, referral=referral_id
        )

    def _respond(self, referral_id: str, code=status.HTTP_200_OK, *, body=True) -> Response:
        kind, row = self._get(referral_id)
        data = mapping.render(kind, row, request=self.request)
        if body:
            data = {"@odata.context": self._context("/$entity"), **data}
        response = Response(data if body else None, status=code)
        response["ETag"] = data["eTag"]
        return response

    def _context(self, suffix: str = "") -> str:
        return self.request.build_absolute_uri("/v1.0/$metadata#Referrals") + suffix

    def _body(self, kind: type):
        data = self.request.data
        if not isinstance(data, kind):
            raise ValidationFailed(
                {
                    "body": [
                        _("Send a JSON Patch list.") if kind is list else _("Send one JSON object.")
                    ]
                }
            )
        return data


REFERRAL = OpenApiResponse(OpenApiTypes.OBJECT, description="A Referral (Partner Center's shape).")
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input or query option, named."),
    403: OpenApiResponse(ErrorSerializer, description="Not yours to do."),
    404: OpenApiResponse(ErrorSerializer, description="No such referral of yours."),
    409: OpenApiResponse(ErrorSerializer, description="The state does not allow this move."),
}
PRECONDITION = {412: OpenApiResponse(ErrorSerializer, description="Stale If-Match.")}
IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, description="The referral's eTag; stale: 412"
)
PREFER = OpenApiParameter(
    "Prefer",
    str,
    OpenApiParameter.HEADER,
    description="return=representation: 200 and the referral",
)
ODATA = [
    OpenApiParameter("$filter", str, description="eq, ne, and, or, (), nested paths, team/any()"),
    OpenApiParameter("$orderby", str, description="createdDateTime|updatedDateTime asc|desc"),
    OpenApiParameter("$top", int, description="at most 100 (the default)"),
    OpenApiParameter("$skip", int),
    OpenApiParameter("$count", bool),
    OpenApiParameter("$select", str, description="top-level properties, comma-separated"),
]
PATCH_BODY = {
    "application/json": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "op": {"type": "string", "enum": ["add", "replace"]},
                "path": {"type": "string"},
                "value": {},
            },
            "required": ["op", "path", "value"],
        },
    }
}


class ReferralsView(ReferralsBase):
    @extend_schema(
        parameters=ODATA,
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="{@odata.context, value, @odata.count?, @odata.nextLink?}",
            ),
            400: ERRORS[400],
        },
        tags=[TAG],
        summary="Get all referrals",
        operation_id="GetAllReferrals",
    )
    def get(self, request):
        try:
            query = odata.parse_query(request.query_params, selectable=mapping.PROPERTIES)
            rows, total, more = selectors.referral_page(
                user=request.user, partner_id=self.partner_id, query=query
            )
        except odata.ODataError as exc:
            raise ValidationFailed({exc.option: [exc.message]}) from None
        body = {
            "@odata.context": self._context(),
            "value": [mapping.render(k, r, request=request, select=query.select) for k, r in rows],
        }
        if total is not None:
            body["@odata.count"] = total
        if more:
            params = {k: v for k, v in request.query_params.items() if k != "$skip"}
            params["$skip"] = str(query.skip + query.top)
            body["@odata.nextLink"] = (
                request.build_absolute_uri(request.path) + "?" + urlencode(params)
            )
        return Response(body)

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: REFERRAL, **ERRORS},
        tags=[TAG],
        summary="Create a referral",
        operation_id="CreateReferral",
    )
    def post(self, request):
        body = self._body(dict)
        kind, pk = writes.create_referral(
            user=request.user, partner=request.user.partner, body=body, now=clock.now()
        )
        return self._respond(selectors.referral_id(kind, pk))


class ReferralRegistrationView(ReferralsBase):
    """The connector's deal-registration operations (``/referrals/{id}/`` and ``//``): the same
    JSON Patch as ``PATCH /referrals/{id}``."""

    @extend_schema(
        request={**PATCH_BODY},
        responses={204: None, 200: REFERRAL, **ERRORS, **PRECONDITION},
        parameters=[IF_MATCH, PREFER],
        tags=[TAG],
        summary="Create a referral deal registration (add /registrations/-)",
        operation_id="CreateDealRegistrationByReferralId",
    )
    def patch(self, request, id):
        self._get(id)  # 404 before reading the body
        plan = patch.read(self._body(list))
        writes.patch_referral(
            user=request.user,
            partner_id=self.partner_id,
            referral=id,
            plan=plan,
            if_match=request.headers.get("If-Match", ""),
            now=clock.now(),
        )
        representation = "return=representation" in request.headers.get("Prefer", "")
        if representation:
            return self._respond(id)
        return self._respond(id, status.HTTP_204_NO_CONTENT, body=False)


class ReferralRegistrationUpdateView(ReferralRegistrationView):
    @extend_schema(
        request={**PATCH_BODY},
        responses={204: None, 200: REFERRAL, **ERRORS, **PRECONDITION},
        parameters=[IF_MATCH, PREFER],
        tags=[TAG],
        summary="Update deal registration in a referral (replace /registrations/0/...)",
        operation_id="PatchDealRegistrationByReferralId",
    )
    def patch(self, request, id):
        return super().patch(request, id)


class ReferralView(ReferralRegistrationView):
    @extend_schema(
        responses={200: REFERRAL, **ERRORS},
        tags=[TAG],
        summary="Get a referral by id",
        operation_id="GetReferralById",
    )
    def get(self, request, id):
        return self._respond(id)

    @extend_schema(
        request={**PATCH_BODY},
        responses={204: None, 200: REFERRAL, **ERRORS, **PRECONDITION},
        parameters=[IF_MATCH, PREFER],
        tags=[TAG],
        summary="Update specific fields in a referral (JSON Patch)",
        operation_id="PatchReferralById",
    )
    def patch(self, request, id):
        return super().patch(request, id)

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: REFERRAL, **ERRORS, **PRECONDITION},
        parameters=[IF_MATCH],
        tags=[TAG],
        summary="Update a referral by id (deprecated)",
        operation_id="UpdateReferralById",
        deprecated=True,
    )
    def put(self, request, id):
        kind, row = self._get(id)
        if_match = request.headers.get("If-Match", "").strip()
        if not if_match:
            raise ValidationFailed(
                {"If-Match": [_("The deprecated PUT needs the referral's eTag in If-Match.")]}
            )
        current = mapping.render(kind, row, request=request)
        operations = patch.put_operations(self._body(dict), current)
        writes.patch_referral(
            user=request.user,
            partner_id=self.partner_id,
            referral=id,
            plan=patch.read(operations) if operations else None,
            if_match=if_match,
            now=clock.now(),
        )
        return self._respond(id)
