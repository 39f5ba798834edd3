"""Browser pages: the pipeline, opportunity pages and forms, the lead inbox and queue."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cosell.core import audit, clock
from cosell.core.errors import DomainError, ValidationFailed
from cosell.core.lists import (
    fragment,
    messages_oob,
    paginate,
    render_list,
    search_term,
    sort_queryset,
)
from cosell.partners.models import Role

from . import detail_page, rules, selectors, services
from .api.views import OpportunityFilter
from .forms import (
    CloseForm,
    InviteForm,
    LeadAcceptForm,
    LeadDeclineForm,
    LeadSendForm,
    OpportunityForm,
    StageForm,
    UpgradeForm,
)
from .models import CO_SELL_CATEGORIES, Lead, Stage

PARTNER_ROLES = (Role.PARTNER_ADMIN, Role.PARTNER_USER)


def _apply_errors(form, exc: DomainError) -> None:
    if isinstance(exc, ValidationFailed):
        for field, errors in exc.errors.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        form.add_error(None, exc.message)


def _form_page(
    request,
    form,
    *,
    title,
    submit,
    cancel_url,
    intro="",
    status=200,
    template="opportunities/form.html",
    **extra,
):
    return render(
        request,
        template,
        {
            "form": form,
            "title": title,
            "submit": submit,
            "cancel_url": cancel_url,
            "intro": intro,
            **extra,
        },
        status=status if status != 200 else (400 if form.errors else 200),
    )


def _require_partner(request):
    if request.user.role not in PARTNER_ROLES:
        raise PermissionDenied
    return request.user.partner


def _require_seller(request):
    if request.user.role != Role.SELLER:
        raise PermissionDenied
    return request.user.seller


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
        partner
        and partner.offers.filter(
            co_sell_status__in=services.opportunities.CO_SELL_READY_STATUSES
        ).exists()
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


def _domain_form(request, form, handler, *, success, redirect_to, **page):
    """Run ``handler(cleaned_data)`` for a valid POST; domain errors go back onto the form."""
    if request.method == "POST" and form.is_valid():
        try:
            handler(form.cleaned_data)
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(*redirect_to)
    return _form_page(request, form, **page)


@login_required
def opportunity_edit(request, pk: int):
    opportunity = _editable(request, pk)
    initial = {
        field: getattr(opportunity, field) for field in services.opportunities.EDITABLE_FIELDS
    }
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
    return _domain_form(
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
    return _domain_form(
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
    return _domain_form(
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
    return _domain_form(
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
    return _domain_form(
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


LEAD_SORTS = {
    "sent": "sent_at",
    "expires": "expires_at",
    "status": "status",
    "customer": "customer_name",
}


def _lead_search(queryset, request):
    search = search_term(request)
    if search:
        queryset = queryset.filter(
            Q(title__icontains=search)
            | Q(customer_name__icontains=search)
            | Q(opportunity__name__icontains=search)
            | Q(opportunity__customer_name__icontains=search)
        )
    return queryset, search


@login_required
def lead_inbox(request):
    """Incoming and outgoing leads, with the time left on each and accept/decline at hand."""
    if request.user.role == Role.NONE:
        raise PermissionDenied
    status = request.GET.get("status", "")
    incoming = selectors.lead_list(user=request.user, direction="incoming")
    outgoing = selectors.lead_list(user=request.user, direction="outgoing")
    if status in Lead.Status.values:
        incoming, outgoing = incoming.filter(status=status), outgoing.filter(status=status)
    incoming, search = _lead_search(incoming, request)
    outgoing, _search = _lead_search(outgoing, request)
    if request.user.role == Role.SELLER:
        # The queue has its own page; the inbox shows what is routed to or taken by them.
        seller = request.user.seller
        incoming = incoming.filter(receiver_seller=seller)
    # Marketplace leads that need no answer leave the inbox after 6 months (archived).
    incoming = incoming.filter(archived_at__isnull=True)
    incoming, sort = sort_queryset(incoming, request, LEAD_SORTS, default="-sent")
    return render_list(
        request,
        "opportunities/lead_inbox.html",
        "opportunities/_lead_inbox_list.html",
        {
            "page": paginate(incoming, request),
            "incoming": None,
            "outgoing": outgoing[:50],
            "statuses": Lead.Status.choices,
            "status": status,
            "search": search,
            "sort": sort,
            "filtered": bool(status or search),
            "now": clock.now(),
        },
    )


@login_required
def lead_queue(request):
    _require_seller(request)
    queue, search = _lead_search(selectors.lead_queue(user=request.user), request)
    queue, sort = sort_queryset(queue, request, LEAD_SORTS, default="expires")
    return render_list(
        request,
        "opportunities/lead_queue.html",
        "opportunities/_lead_queue_list.html",
        {
            "page": paginate(queue, request),
            "search": search,
            "sort": sort,
            "filtered": bool(search),
            "now": clock.now(),
        },
    )


def _lead_row(request, lead_id: int, status: int = 200):
    """One lead's row of the inbox or queue, for htmx swaps (with the flash messages)."""
    lead = selectors.lead_get(user=request.user, lead_id=lead_id)
    return fragment(
        request, "opportunities/_lead_row.html", {"lead": lead, "now": clock.now()}, status=status
    )


@login_required
def lead_row(request, pk: int):
    return _lead_row(request, pk)


def _lead_offers(user, lead: Lead) -> tuple[set[int], list]:
    """The ids of the deal's offers (or the lead's offer) that ``user`` may open, and their
    co-sell documents ``user`` may download: sellers see co-sell-ready offers and theirs."""
    offers = (
        [s.offer for s in lead.opportunity.solutions.all() if s.offer_id]
        if (lead.opportunity_id)
        else ([lead.offer] if lead.offer_id else [])
    )
    visible, documents = set(), []
    for offer in offers:
        if user.has_perm("offers.see_offer", offer):
            visible.add(offer.pk)
        if user.has_perm("offers.download_document", offer):
            documents.extend(offer.documents.select_related("offer").order_by("kind", "pk"))
    return visible, documents


@login_required
def lead_detail(request, pk: int):
    lead = selectors.lead_get(user=request.user, lead_id=pk)
    seen = rules.lead_as_seen_by(lead, request.user)

    opportunity = lead.opportunity
    missing = {}
    if opportunity is not None:
        missing = {
            "value": opportunity.value is None,
            "close_date": opportunity.close_date is None,
            "notes": not opportunity.notes,
        }
    visible_offer_ids, documents = _lead_offers(request.user, lead)
    accept_form = LeadAcceptForm()
    for name, is_missing in missing.items():
        if not is_missing:
            del accept_form.fields[name]
            if name == "value":
                del accept_form.fields["currency"]
    return render(
        request,
        "opportunities/lead_detail.html",
        {
            "lead": seen,
            "incoming": seen.direction == "incoming",
            "contact": seen.visible_contact,
            "contact_hidden": not seen.contact_visible,
            "can_answer": lead.status == Lead.Status.RECEIVED
            and not lead.is_for_visibility
            and rules.is_receiver(request.user, lead),
            "documents": documents,
            "visible_offer_ids": visible_offer_ids,
            "can_open_deal": opportunity is not None
            and selectors.opportunity_visible(user=request.user, opportunity_id=opportunity.pk),
            "can_withdraw": lead.status == Lead.Status.RECEIVED
            and rules.is_sender(request.user, lead),
            "accept_form": accept_form,
            "now": clock.now(),
            "history": audit.history(lead)[:20],
        },
    )


@login_required
@require_POST
def lead_accept(request, pk: int):
    lead = selectors.lead_get_to_answer(user=request.user, lead_id=pk)
    form = LeadAcceptForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the deal value, currency and date."))
        if request.htmx:
            return _lead_row(request, lead.pk, status=400)
        return redirect("opportunities:lead_detail", lead.pk)
    data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    try:
        lead = services.lead_accept(lead_id=lead.pk, actor=request.user, now=clock.now(), **data)
    except DomainError as exc:
        messages.error(request, exc.message)
        if not selectors.lead_list(user=request.user).filter(pk=lead.pk).exists():
            # Another seller took it from the queue: it is theirs now.
            if request.htmx:
                return HttpResponse(messages_oob(request), status=409)
            return redirect("opportunities:lead_queue")
        if request.htmx:
            return _lead_row(request, lead.pk, status=409)
        return redirect("opportunities:lead_detail", lead.pk)
    messages.success(request, _("Lead accepted: you are on the opportunity's team."))
    if request.htmx:
        return _lead_row(request, lead.pk)
    if lead.receiver == Lead.Receiver.PARTNER or request.user.role == Role.SELLER:
        return redirect("opportunities:opportunity_detail", lead.opportunity_id)
    return redirect("opportunities:lead_detail", lead.pk)


@login_required
def lead_decline(request, pk: int):
    """Decline with a reason: a page without JavaScript, an inline form in the row with htmx."""
    lead = selectors.lead_get(user=request.user, lead_id=pk)
    form = LeadDeclineForm(
        request.POST or None, prefix=f"decline-{lead.pk}" if request.htmx else None
    )
    if request.htmx:
        if request.method == "POST" and form.is_valid():
            try:
                services.lead_decline(
                    lead_id=lead.pk, actor=request.user, now=clock.now(), **form.cleaned_data
                )
            except DomainError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Lead declined."))
                return _lead_row(request, lead.pk)
        return fragment(
            request,
            "opportunities/_lead_decline_row.html",
            {"lead": lead, "form": form, "now": clock.now()},
            status=400 if form.errors else 200,
        )
    return _domain_form(
        request,
        form,
        lambda data: services.lead_decline(
            lead_id=lead.pk, actor=request.user, now=clock.now(), **data
        ),
        success=_("Lead declined."),
        redirect_to=("opportunities:lead_inbox",),
        title=_("Decline %(title)s") % {"title": lead.display_title},
        submit=_("Decline lead"),
        cancel_url="opportunities:lead_inbox",
        intro=_("Say why: the sender is told."),
    )


@login_required
@require_POST
def lead_withdraw(request, pk: int):
    lead = selectors.lead_get(user=request.user, lead_id=pk)
    try:
        services.lead_withdraw(lead_id=lead.pk, actor=request.user, now=clock.now())
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", "") or _("You cannot withdraw this lead."))
    else:
        messages.success(request, _("Lead withdrawn."))
    return redirect("opportunities:lead_detail", lead.pk)


@login_required
def lead_send(request):
    """A Microsoft seller sends a customer to a partner."""
    _require_seller(request)
    form = LeadSendForm(request.POST or None)
    return _domain_form(
        request,
        form,
        lambda data: services.seller_lead_send(
            actor=request.user, now=clock.now(), **form.service_kwargs()
        ),
        success=_("Lead sent to the partner."),
        redirect_to=("opportunities:lead_inbox",),
        title=_("Send a lead to a partner"),
        submit=_("Send lead"),
        cancel_url="opportunities:lead_inbox",
    )
