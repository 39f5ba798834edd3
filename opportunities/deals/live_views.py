"""A deal's status, polled by its page (cosell.core.live)."""

from django.contrib.auth.decorators import login_required

from cosell.core import live
from opportunities.deals import selectors


def opportunity_key(opportunity, leads) -> str:
    # Not the stage or version: the page's own stage menu changes those in place (htmx), and
    # only what others and the worker change (closing, leads answered or expiring) redraws it.
    return live.key(opportunity.status, ".".join(lead.status for lead in leads))


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
