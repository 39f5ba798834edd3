"""The pipeline as a board: a column per sales stage, a card per active deal. A deal moves by its
menu (or by dragging its card, board.js, which submits that same menu), through the same
service and rules as everywhere: a move the deal does not allow answers 409 with a message, a
stale version (the card's, or an ``If-Match``) 412."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cosell.core import clock
from cosell.core.errors import DomainError, PreconditionFailed, ValidationFailed
from cosell.core.lists import fragment
from cosell.partners.models import Role
from opportunities.deals import selectors, services
from opportunities.deals.choices import Stage
from opportunities.deals.filters import OpportunityFilter
from opportunities.deals.models import Opportunity
from opportunities.deals.preconditions import if_match_version

BOARD_STAGES = [(value, label) for value, label in Stage.choices if value != Stage.WON]
# Cards shown per column; the rest are one click away in the list, filtered by stage.
BOARD_LIMIT = 40
FILTERS = ("category", "search")


def _board_context(request) -> dict:
    user = request.user
    base = selectors.opportunity_list(user=user).filter(status=Opportunity.Status.ACTIVE)
    params = {key: request.GET[key] for key in FILTERS if request.GET.get(key)}
    filterset = OpportunityFilter(params or None, queryset=base)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    counts = dict(
        queryset.order_by().values_list("stage").annotate(n=Count("id")).values_list("stage", "n")
    )
    partner = user.partner
    is_admin = user.role == Role.PARTNER_ADMIN
    columns = []
    for value, label in BOARD_STAGES:
        cards = list(
            queryset.filter(stage=value).order_by("close_date", "name", "pk")[:BOARD_LIMIT]
        )
        for card in cards:
            # The owning partner's admins, and its users on the deal's team (prefetched), move it.
            card.movable = (
                partner is not None
                and card.partner_id == partner.pk
                and (is_admin or any(m.user_id == user.pk for m in card.team.all()))
            )
        total = counts.get(value, 0)
        columns.append(
            {
                "stage": value,
                "label": label,
                "cards": cards,
                "total": total,
                "more": total - len(cards),
            }
        )
    query = urlencode(params)
    return {
        "columns": columns,
        "stages": BOARD_STAGES,
        "params": params,
        "query": query,
        "filter": filterset,
        "categories": OpportunityFilter.base_filters["category"].extra["choices"],
        "scope": selectors.pipeline_scope(user=user),
        "today": clock.now().date(),
    }


@login_required
def pipeline_board(request):
    """Active deals by stage; htmx swaps the board alone when the filters change."""
    if request.user.role == Role.NONE:
        raise PermissionDenied
    context = _board_context(request)
    if getattr(request, "htmx", False) and not request.htmx.boosted:
        return fragment(request, "opportunities/_board.html", context)
    return render(request, "opportunities/board.html", context)


def _error_message(exc: DomainError) -> str:
    if isinstance(exc, ValidationFailed):
        return " ".join(str(m) for messages_ in exc.errors.values() for m in messages_)
    return exc.message


@login_required
@require_POST
def opportunity_move(request, pk: int):
    """Move a deal to another stage from the board: ``stage`` and the card's ``version``."""
    opportunity = selectors.opportunity_get(user=request.user, opportunity_id=pk)
    stage = request.POST.get("stage", "")
    version = request.POST.get("version", "")
    status = 200
    try:
        expected = if_match_version(request, opportunity.pk)
        if expected is None and version:
            if not version.isdigit():
                raise ValidationFailed({"version": [_("A whole number.")]})
            expected = int(version)
        services.opportunity_set_stage(
            opportunity_id=opportunity.pk,
            stage=stage,
            actor=request.user,
            now=clock.now(),
            expected_version=expected,
        )
    except PreconditionFailed:
        messages.error(
            request,
            _("“%(name)s” changed since the board was drawn; here it is as it is now.")
            % {"name": opportunity.name},
        )
        status = 412
    except DomainError as exc:
        messages.error(request, _error_message(exc))
        status = exc.http_status
    else:
        messages.success(
            request,
            _("“%(name)s” is now at “%(stage)s”.")
            % {"name": opportunity.name, "stage": Stage(stage).label},
        )
    if getattr(request, "htmx", False):
        return fragment(request, "opportunities/_board.html", _board_context(request), status)
    if status == 200:
        query = request.GET.urlencode()
        return redirect(reverse("opportunities:pipeline_board") + (f"?{query}" if query else ""))
    return render(request, "opportunities/board.html", _board_context(request), status=status)
