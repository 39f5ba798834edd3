"""Reads about deal registrations; tenancy through ``rules.registration_visibility``."""

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.http import Http404

from opportunities.deals import selectors as opportunity_selectors
from opportunities.deals.models import Opportunity

from . import rules
from .models import DealRegistration, ExceptionRequest


def opportunity_for_registration(*, user, opportunity_id) -> Opportunity:
    """The deal, if ``user`` may see its registration (the owner side or staff), else 404."""
    opportunity = opportunity_selectors.opportunity_get(user=user, opportunity_id=opportunity_id)
    if not rules.can_view(user, opportunity):
        raise Http404
    return opportunity


def registration_list(*, user, state: str = "") -> QuerySet[DealRegistration]:
    queryset = DealRegistration.objects.select_related(
        "opportunity", "opportunity__partner", "registered_by"
    )
    visibility = rules.registration_visibility(user)
    if visibility is not None:
        queryset = queryset.filter(visibility).distinct()
    if state:
        queryset = queryset.filter(state=state)
    return queryset.order_by("-created_at", "-id")


def registration_get(*, user, registration_id) -> DealRegistration:
    try:
        return registration_list(user=user).get(pk=int(registration_id))
    except (DealRegistration.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def review_queue() -> QuerySet[DealRegistration]:
    """What waits for the reviewers, oldest request first."""
    return (
        DealRegistration.objects.filter(state=DealRegistration.State.REVIEW_PENDING)
        .select_related("opportunity", "opportunity__partner")
        .order_by("review_requested_at", "id")
    )


def exception_queue() -> QuerySet[ExceptionRequest]:
    return (
        ExceptionRequest.objects.filter(state=ExceptionRequest.State.PENDING)
        .select_related("opportunity", "opportunity__partner", "requested_by")
        .order_by("created_at", "id")
    )


def exception_get(*, user, exception_id) -> ExceptionRequest:
    queryset = ExceptionRequest.objects.select_related("opportunity")
    visibility = rules.registration_visibility(user)
    if visibility is not None:
        queryset = queryset.filter(visibility).distinct()
    try:
        return queryset.get(pk=int(exception_id))
    except (ExceptionRequest.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def registered_value_by_state(*, partner_id: int) -> list[Mapping[str, Any]]:
    """A partner's registrations per state: how many, and their total contract value in USD a
    year (the annual value registered)."""
    return list(
        DealRegistration.objects.filter(opportunity__partner_id=partner_id)
        .values("state")
        .annotate(count=Count("id"), annual_usd=Sum("annual_value_usd"))
        .order_by("state")
    )


def needing_action(*, user) -> QuerySet[DealRegistration]:
    return registration_list(user=user, state=DealRegistration.State.ACTION_REQUIRED)
