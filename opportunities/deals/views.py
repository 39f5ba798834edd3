"""The deal pages: pipeline, detail, edit, invite, upgrade, close, stage."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from cosell.core import clock
from cosell.core.errors import DomainError
from cosell.core.form_views import form_view
from cosell.core.lists import (
    fragment,
    paginate,
    render_list,
    sort_queryset,
)
from cosell.partners.models import Role
from offers.models import CO_SELL_READY_STATUSES
from opportunities.deals import detail_page, selectors, services
from opportunities.deals.choices import CO_SELL_CATEGORIES, Stage
from opportunities.deals.filters import OpportunityFilter
from opportunities.deals.forms import CloseForm, InviteForm, OpportunityForm, StageForm, UpgradeForm
from opportunities.deals.services.common import EDITABLE_FIELDS

PIPELINE_SORTS = {
    "name": "name",
    "customer": "customer_name",
    "category": "category",
    "stage": "stage",
    "status": "status",
    "value": ("currency", "value"),
    "close_date": "close_date",
    "created": "created_at",
}


@login_required
def pipeline(request):
    """Deals by category and stage, with filters, sorting and active totals by currency."""
    if request.user.role == Role.NONE:
        raise PermissionDenied
    base = selectors.opportunity_list(user=request.user)
    params = request.GET.copy()
    for key in ("sort", "page"):
        params.pop(key, None)
    filterset = OpportunityFilter(params or None, queryset=base)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    rows, column_totals = selectors.pipeline_matrix_rows(queryset)
    ordered, sort = sort_queryset(queryset, request, PIPELINE_SORTS, default="-created")
    page = paginate(ordered, request)
    partner = request.user.partner
    can_create_co_sell = bool(
        partner and partner.offers.filter(co_sell_status__in=CO_SELL_READY_STATUSES).exists()
    )
    return render_list(
        request,
        "opportunities/pipeline.html",
        "opportunities/_pipeline_list.html",
        {
            "filter": filterset,
            "page": page,
            "sort": sort,
            "filtered": any(params.values()),
            "stages": Stage.choices,
            "matrix_rows": rows,
            "matrix_totals": column_totals,
            "totals": selectors.pipeline_totals(queryset),
            "can_create": partner is not None,
            "can_create_co_sell": can_create_co_sell,
            "co_sell_categories": CO_SELL_CATEGORIES,
            "scope": selectors.pipeline_scope(user=request.user),
        },
    )


@login_required
def opportunity_detail(request, pk: int):
    # Its body is cached per version of the deal and viewer (detail_page.py).
    return detail_page.render_detail(request, pk)


def _editable(request, pk):
    opportunity = selectors.opportunity_get(user=request.user, opportunity_id=pk)
    if not selectors.can_edit(request.user, opportunity):
        raise PermissionDenied
    return opportunity


@login_required
def opportunity_edit(request, pk: int):
    opportunity = _editable(request, pk)
    initial = {field: getattr(opportunity, field) for field in EDITABLE_FIELDS}
    initial["customer_country"] = opportunity.customer_country.code
    initial["offers"] = [s.offer_id for s in opportunity.solutions.all() if s.offer_id]
    initial["microsoft_solutions"] = "\n".join(
        s.name for s in opportunity.solutions.all() if s.kind == "microsoft"
    )
    initial["third_party_solutions"] = "\n".join(
        s.name for s in opportunity.solutions.all() if s.kind == "third_party"
    )
    form = OpportunityForm(
        request.POST or None,
        partner=opportunity.partner,
        editing=True,
        category=opportunity.category,
        initial=initial,
    )
    return form_view(
        request,
        form,
        lambda data: services.opportunity_update(
            opportunity_id=opportunity.pk,
            actor=request.user,
            now=clock.now(),
            **form.service_kwargs(),
        ),
        success=_("Opportunity saved."),
        redirect_to=("opportunities:opportunity_detail", opportunity.pk),
        title=_("Edit %(name)s") % {"name": opportunity.name},
        submit=_("Save"),
        cancel_url="opportunities:pipeline",
        template="opportunities/deal_form.html",
    )


@login_required
def opportunity_invite(request, pk: int):
    """Invite a partner, or Microsoft, to a partner-to-partner deal."""
    opportunity = _editable(request, pk)
    form = InviteForm(
        request.POST or None,
        partner=opportunity.partner,
        microsoft_invited=selectors.microsoft_invited(opportunity=opportunity),
    )
    return form_view(
        request,
        form,
        lambda data: services.opportunity_invite(
            opportunity_id=opportunity.pk,
            partner_id=data["partner"].pk if data.get("partner") else None,
            invite_microsoft=bool(data.get("invite_microsoft")),
            actor=request.user,
            now=clock.now(),
        ),
        success=_("Invitation sent."),
        redirect_to=("opportunities:opportunity_detail", opportunity.pk),
        title=_("Invite a partner or Microsoft to %(name)s") % {"name": opportunity.name},
        submit=_("Invite"),
        cancel_url="opportunities:pipeline",
    )


@login_required
def opportunity_upgrade(request, pk: int):
    opportunity = _editable(request, pk)
    form = UpgradeForm(request.POST or None, partner=opportunity.partner)
    return form_view(
        request,
        form,
        lambda data: services.opportunity_upgrade(
            opportunity_id=opportunity.pk,
            category=data["category"],
            partner_ids=[p.pk for p in data["partners"]],
            assessment_type=data["assessment_type"],
            actor=request.user,
            now=clock.now(),
        ),
        success=_("Opportunity upgraded and shared."),
        redirect_to=("opportunities:opportunity_detail", opportunity.pk),
        title=_("Upgrade %(name)s") % {"name": opportunity.name},
        submit=_("Upgrade"),
        cancel_url="opportunities:pipeline",
        intro=_(
            "A private deal can become a co-sell, partner-to-partner or solution assessment "
            "deal while it is active; the leads that category implies are sent."
        ),
    )


@login_required
def opportunity_close(request, pk: int):
    opportunity = _editable(request, pk)
    form = CloseForm(request.POST or None)
    return form_view(
        request,
        form,
        lambda data: services.opportunity_close(
            opportunity_id=opportunity.pk, actor=request.user, now=clock.now(), **data
        ),
        success=_("Opportunity closed."),
        redirect_to=("opportunities:opportunity_detail", opportunity.pk),
        title=_("Close %(name)s") % {"name": opportunity.name},
        submit=_("Close opportunity"),
        cancel_url="opportunities:pipeline",
    )


@login_required
def opportunity_stage(request, pk: int):
    opportunity = _editable(request, pk)
    form = StageForm(request.POST or None, initial={"stage": opportunity.stage})
    if request.htmx and request.method == "POST":
        status = 200
        if form.is_valid():
            try:
                services.opportunity_set_stage(
                    opportunity_id=opportunity.pk,
                    stage=form.cleaned_data["stage"],
                    actor=request.user,
                    now=clock.now(),
                )
            except DomainError as exc:
                messages.error(request, exc.message)
                status = 409
            else:
                messages.success(request, _("Stage updated."))
        else:
            messages.error(request, _("Choose a sales stage."))
            status = 400
        opportunity = selectors.opportunity_get(user=request.user, opportunity_id=pk)
        return fragment(
            request,
            "opportunities/_stage.html",
            {"opportunity": opportunity, "stage_form": StageForm(), "can_edit": True},
            status=status,
        )
    return form_view(
        request,
        form,
        lambda data: services.opportunity_set_stage(
            opportunity_id=opportunity.pk,
            stage=data["stage"],
            actor=request.user,
            now=clock.now(),
        ),
        success=_("Stage updated."),
        redirect_to=("opportunities:opportunity_detail", opportunity.pk),
        title=_("Sales stage of %(name)s") % {"name": opportunity.name},
        submit=_("Save"),
        cancel_url="opportunities:pipeline",
    )
