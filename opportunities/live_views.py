"""The polled status fragments of the lead and opportunity pages (cosell/core/live.py)."""

from django.contrib.auth.decorators import login_required

from cosell.core import clock, live

from . import selectors


def opportunity_key(opportunity, leads) -> str:
    # Not the stage or version: the page's own stage menu changes those in place (htmx), and
    # only what others and the worker change (closing, leads answered or expiring) redraws it.
    return live.key(opportunity.status, ".".join(lead.status for lead in leads))


def lead_key(lead) -> str:
    return live.key(lead.status, int(lead.needs_answer), lead.receiver_seller_id)


@login_required
def opportunity_status(request, pk: int):
    opportunity = selectors.opportunity_get(user=request.user, opportunity_id=pk)
    leads = list(
        selectors.opportunity_leads(opportunity=opportunity).select_related(None).only("status")
    )
    return live.live_response(
        request,
        opportunity_key(opportunity, leads),
        "opportunities/_opportunity_status.html",
        {"opportunity": opportunity},
    )


@login_required
def lead_status(request, pk: int):
    lead = selectors.lead_get(user=request.user, lead_id=pk)
    return live.live_response(
        request,
        lead_key(lead),
        "opportunities/_lead_status.html",
        {"lead": lead, "now": clock.now()},
    )
