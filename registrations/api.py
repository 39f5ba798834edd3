"""The deal registration API, under /api/v1/.

- ``GET/POST /opportunities/{id}/registration/``: the eligibility checklist and the
  registration; register with Partner Center's form.
- ``POST /opportunities/{id}/registration/exception/``: the one exception request of a deal.
- ``POST /opportunities/{id}/customer-account/`` (the partner) and ``.../confirm/`` (a seller).
- ``GET /registrations/`` (``?state=``), ``GET/PATCH /registrations/{id}/`` (If-Match),
  ``POST /registrations/{id}/{action}/``: ``pass``, ``fail``, ``request_action`` (reviewers),
  ``resubmit``, ``close`` (the partner).
- ``POST /registrations/exceptions/{id}/grant/`` and ``.../deny/`` (reviewers).
"""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from cosell.core import clock
from cosell.core.api import ErrorSerializer
from cosell.core.errors import PreconditionFailed, ValidationFailed
from opportunities.deals.choices import CustomerAccount
from opportunities.deals.preconditions import if_match_version

from . import eligibility, selectors, services
from .models import MAX_MESSAGE_LENGTH, DealRegistration, ExceptionRequest

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input, by field."),
    403: OpenApiResponse(ErrorSerializer, description="Not yours to do."),
    404: OpenApiResponse(ErrorSerializer, description="Not found or outside your reach."),
    409: OpenApiResponse(
        ErrorSerializer,
        description="The state does not allow this, or the deal is not eligible "
        "(``unmet`` lists the rules it misses).",
    ),
}
PRECONDITION = {
    412: OpenApiResponse(ErrorSerializer, description="Stale If-Match: reload and retry.")
}


class RegistrationFormSerializer(serializers.ModelSerializer):
    """Partner Center's registration form; its rules are checked by the service."""

    class Meta:
        model = DealRegistration
        fields = list(services.FORM_FIELDS)
        extra_kwargs = {
            "total_contract_value": {"min_value": 0},
            "solution_value": {"min_value": 0},
            "contract_end_date": {"required": False},
            "marketplace_transaction_date": {"required": False},
        }


class RegistrationSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = DealRegistration
        fields = [
            "id",
            "opportunity_id",
            "state",
            "state_label",
            *services.FORM_FIELDS,
            "currency",
            "annual_value_usd",
            "review_reasons",
            "reviewer_message",
            "partner_answer",
            "created_at",
            "updated_at",
            "review_requested_at",
            "version",
        ]
        read_only_fields = fields


class ExceptionRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExceptionRequest
        fields = [
            "id",
            "opportunity_id",
            "state",
            "reason",
            "reviewer_message",
            "created_at",
            "answered_at",
        ]
        read_only_fields = fields


class RuleSerializer(serializers.Serializer):
    code = serializers.CharField()
    met = serializers.BooleanField()
    sentence = serializers.CharField()
    detail = serializers.CharField()


class EligibilitySerializer(serializers.Serializer):
    opportunity_id = serializers.IntegerField()
    eligible = serializers.BooleanField()
    checklist = RuleSerializer(many=True)
    customer_account = serializers.CharField()
    customer_account_confirmed = serializers.BooleanField()
    registration = RegistrationSerializer(allow_null=True)
    exception_request = ExceptionRequestSerializer(allow_null=True)


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_MESSAGE_LENGTH, default=""
    )


class ResubmitSerializer(RegistrationFormSerializer):
    answer = serializers.CharField(max_length=MAX_MESSAGE_LENGTH)

    class Meta(RegistrationFormSerializer.Meta):
        fields = ["answer", *services.FORM_FIELDS]
        extra_kwargs = {
            **{field: {"required": False} for field in services.FORM_FIELDS},
            "total_contract_value": {"required": False, "min_value": 0},
            "solution_value": {"required": False, "min_value": 0},
        }


class ExceptionCreateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=MAX_MESSAGE_LENGTH)


class CustomerAccountSerializer(serializers.Serializer):
    customer_account = serializers.ChoiceField(choices=CustomerAccount.choices)


def eligibility_data(opportunity, *, now) -> dict:
    rules = eligibility.checklist(opportunity, now=now)
    registration = DealRegistration.objects.filter(opportunity=opportunity).first()
    exception = ExceptionRequest.objects.filter(opportunity=opportunity).first()
    return {
        "opportunity_id": opportunity.pk,
        "eligible": not eligibility.unmet(rules),
        "checklist": [
            {"code": r.code, "met": r.met, "sentence": r.sentence, "detail": r.detail}
            for r in rules
        ],
        "customer_account": opportunity.customer_account,
        "customer_account_confirmed": opportunity.customer_account_confirmed_at is not None,
        "registration": RegistrationSerializer(registration).data if registration else None,
        "exception_request": ExceptionRequestSerializer(exception).data if exception else None,
    }


def _with_etag(response: Response, registration: DealRegistration) -> Response:
    response["ETag"] = registration.etag
    return response


class OpportunityRegistrationView(APIView):
    @extend_schema(
        responses={200: EligibilitySerializer, **ERRORS},
        tags=["deal registration"],
        description="The deal's eligibility checklist, its registration and exception request.",
    )
    def get(self, request, pk):
        opportunity = selectors.opportunity_for_registration(user=request.user, opportunity_id=pk)
        return Response(eligibility_data(opportunity, now=clock.now()))

    @extend_schema(
        request=RegistrationFormSerializer,
        responses={201: RegistrationSerializer, **ERRORS},
        tags=["deal registration"],
        description="Register a won deal. Approved at once, or ``review_pending`` when the "
        "annual value is above USD 1,000,000, several partners are on the deal, or the pricing "
        "is pay-as-you-go.",
    )
    def post(self, request, pk):
        opportunity = selectors.opportunity_for_registration(user=request.user, opportunity_id=pk)
        serializer = RegistrationFormSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration = services.registration_create(
            opportunity_id=opportunity.pk,
            actor=request.user,
            now=clock.now(),
            **serializer.validated_data,
        )
        return _with_etag(
            Response(RegistrationSerializer(registration).data, status=status.HTTP_201_CREATED),
            registration,
        )


class ExceptionRequestView(APIView):
    @extend_schema(
        request=ExceptionCreateSerializer,
        responses={201: ExceptionRequestSerializer, **ERRORS},
        tags=["deal registration"],
        description="Ask Microsoft to register a deal the rules leave out: one per deal, "
        "within 60 days, at most 5,000 characters.",
    )
    def post(self, request, pk):
        opportunity = selectors.opportunity_for_registration(user=request.user, opportunity_id=pk)
        serializer = ExceptionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        exception = services.exception_request_create(
            opportunity_id=opportunity.pk,
            actor=request.user,
            now=clock.now(),
            reason=serializer.validated_data["reason"],
        )
        return Response(ExceptionRequestSerializer(exception).data, status=status.HTTP_201_CREATED)


class CustomerAccountView(APIView):
    @extend_schema(
        request=CustomerAccountSerializer,
        responses={200: EligibilitySerializer, **ERRORS, **PRECONDITION},
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)],
        tags=["deal registration"],
        description="The partner says whether the customer is a Microsoft-managed account.",
    )
    def post(self, request, pk):
        from opportunities.deals import selectors as opportunity_selectors

        opportunity = opportunity_selectors.opportunity_get(user=request.user, opportunity_id=pk)
        serializer = CustomerAccountSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        opportunity = services.customer_account_set(
            opportunity_id=opportunity.pk,
            actor=request.user,
            now=clock.now(),
            customer_account=serializer.validated_data["customer_account"],
            expected_version=if_match_version(request, opportunity.pk),
        )
        return Response(eligibility_data(opportunity, now=clock.now()))


class CustomerAccountConfirmView(APIView):
    @extend_schema(
        request=None,
        responses={200: OpenApiResponse(description="Confirmed."), **ERRORS, **PRECONDITION},
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)],
        tags=["deal registration"],
        description="A Microsoft seller on the deal confirms the partner's statement.",
    )
    def post(self, request, pk):
        from opportunities.deals import selectors as opportunity_selectors

        opportunity = opportunity_selectors.opportunity_get(user=request.user, opportunity_id=pk)
        opportunity = services.customer_account_confirm(
            opportunity_id=opportunity.pk,
            actor=request.user,
            now=clock.now(),
            expected_version=if_match_version(request, opportunity.pk),
        )
        return Response(
            {
                "opportunity_id": opportunity.pk,
                "customer_account": opportunity.customer_account,
                "customer_account_confirmed": True,
            }
        )


class RegistrationListView(ListAPIView):
    serializer_class = RegistrationSerializer

    def get_queryset(self):
        state = self.request.query_params.get("state", "")
        if state and state not in DealRegistration.State.values:
            raise ValidationFailed(
                {"state": [_("Choose one of: %s.") % ", ".join(DealRegistration.State.values)]}
            )
        return selectors.registration_list(user=self.request.user, state=state)

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, enum=DealRegistration.State.values, required=False)
        ],
        responses={200: RegistrationSerializer(many=True), 400: ERRORS[400]},
        tags=["deal registration"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _if_match(request, registration: DealRegistration) -> int | None:
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    tag = header.split(",")[0].strip().removeprefix("W/").strip('"')
    prefix, _, version = tag.partition("-")
    if prefix != f"r{registration.pk}" or not version.isdigit():
        raise PreconditionFailed("If-Match does not name this registration's current version.")
    return int(version)


class RegistrationDetailView(APIView):
    @extend_schema(responses={200: RegistrationSerializer, **ERRORS}, tags=["deal registration"])
    def get(self, request, pk):
        registration = selectors.registration_get(user=request.user, registration_id=pk)
        return _with_etag(Response(RegistrationSerializer(registration).data), registration)

    @extend_schema(
        request=RegistrationFormSerializer,
        responses={200: RegistrationSerializer, **ERRORS, **PRECONDITION},
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)],
        tags=["deal registration"],
        description="Correct an approved registration; it is decided again.",
    )
    def patch(self, request, pk):
        registration = selectors.registration_get(user=request.user, registration_id=pk)
        expected = _if_match(request, registration)
        serializer = RegistrationFormSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        registration = services.registration_update(
            registration_id=registration.pk,
            actor=request.user,
            now=clock.now(),
            expected_version=expected,
            **serializer.validated_data,
        )
        return _with_etag(Response(RegistrationSerializer(registration).data), registration)


ACTIONS = {
    "pass": (MessageSerializer, services.registration_pass),
    "fail": (MessageSerializer, services.registration_fail),
    "request_action": (MessageSerializer, services.registration_request_action),
    "resubmit": (ResubmitSerializer, services.registration_resubmit),
    "close": (None, services.registration_close),
}


def _action_view(name: str):
    serializer_class, service = ACTIONS[name]

    class ActionView(APIView):
        @extend_schema(
            request=serializer_class,
            responses={200: RegistrationSerializer, **ERRORS, **PRECONDITION},
            parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)],
            tags=["deal registration"],
            operation_id=f"registrations_{name}",
        )
        def post(self, request, pk):
            registration = selectors.registration_get(user=request.user, registration_id=pk)
            expected = _if_match(request, registration)
            if expected is not None and expected != registration.version:
                raise PreconditionFailed(
                    "The registration changed since you read it; reload and try again.",
                    current_version=registration.version,
                )
            data = {}
            if serializer_class is not None:
                serializer = serializer_class(data=request.data)
                serializer.is_valid(raise_exception=True)
                data = dict(serializer.validated_data)
            registration = service(
                registration_id=registration.pk, actor=request.user, now=clock.now(), **data
            )
            return _with_etag(Response(RegistrationSerializer(registration).data), registration)

    ActionView.__name__ = f"Registration{name.title().replace('_', '')}View"
    return ActionView


def _exception_view(grant: bool):
    class ExceptionAnswerView(APIView):
        @extend_schema(
            request=MessageSerializer,
            responses={200: ExceptionRequestSerializer, **ERRORS},
            tags=["deal registration"],
            operation_id=f"registration_exceptions_{'grant' if grant else 'deny'}",
        )
        def post(self, request, pk):
            exception = selectors.exception_get(user=request.user, exception_id=pk)
            serializer = MessageSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            exception = services.exception_request_answer(
                exception_id=exception.pk,
                actor=request.user,
                now=clock.now(),
                grant=grant,
                message=serializer.validated_data["message"],
            )
            return Response(ExceptionRequestSerializer(exception).data)

    ExceptionAnswerView.__name__ = "ExceptionGrantView" if grant else "ExceptionDenyView"
    return ExceptionAnswerView


urlpatterns = [
    path(
        "opportunities/<int:pk>/registration/",
        OpportunityRegistrationView.as_view(),
        name="api-opportunity-registration",
    ),
    path(
        "opportunities/<int:pk>/registration/exception/",
        ExceptionRequestView.as_view(),
        name="api-opportunity-registration-exception",
    ),
    path(
        "opportunities/<int:pk>/customer-account/",
        CustomerAccountView.as_view(),
        name="api-opportunity-customer-account",
    ),
    path(
        "opportunities/<int:pk>/customer-account/confirm/",
        CustomerAccountConfirmView.as_view(),
        name="api-opportunity-customer-account-confirm",
    ),
    path("registrations/", RegistrationListView.as_view(), name="api-registrations"),
    path("registrations/<int:pk>/", RegistrationDetailView.as_view(), name="api-registration"),
    *[
        path(
            f"registrations/<int:pk>/{name}/",
            _action_view(name).as_view(),
            name=f"api-registration-{name}",
        )
        for name in ACTIONS
    ],
    path(
        "registrations/exceptions/<int:pk>/grant/",
        _exception_view(True).as_view(),
        name="api-registration-exception-grant",
    ),
    path(
        "registrations/exceptions/<int:pk>/deny/",
        _exception_view(False).as_view(),
        name="api-registration-exception-deny",
    ),
]
