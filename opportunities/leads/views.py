"""The lead pages: inboxes, the sellers' queue, a lead, and its answers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cosell.core import audit, clock, live
from cosell.core.errors import DomainError
from cosell.core.form_views import form_page, form_view, submit
from cosell.core.lists import (
    fragment,
    messages_oob,
    paginate,
    render_list,
    search_term,
    sort_queryset,
)
from cosell.partners.models import Role
from cosell.partners.rules import require_seller
from opportunities import rules
from opportunities.deals import selectors as deal_selectors
from opportunities.leads import csv_io, services
from opportunities.leads import selectors as lead_selectors
from opportunities.leads.forms import LeadAcceptForm, LeadDeclineForm, LeadSendForm
from opportunities.leads.models import Lead

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
    incoming = lead_selectors.lead_list(user=request.user, direction="incoming")
    outgoing = lead_selectors.lead_list(user=request.user, direction="outgoing")
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
    require_seller(request.user)
    queue, search = _lead_search(lead_selectors.lead_queue(user=request.user), request)
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
    lead = lead_selectors.lead_get(user=request.user, lead_id=lead_id)
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
    lead = lead_selectors.lead_get(user=request.user, lead_id=pk)
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
            and deal_selectors.opportunity_visible(
                user=request.user, opportunity_id=opportunity.pk
            ),
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
    lead = lead_selectors.lead_get_to_answer(user=request.user, lead_id=pk)
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
        if not lead_selectors.lead_list(user=request.user).filter(pk=lead.pk).exists():
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
    lead = lead_selectors.lead_get(user=request.user, lead_id=pk)
    form = LeadDeclineForm(
        request.POST or None, prefix=f"decline-{lead.pk}" if request.htmx else None
    )
    declined = submit(
        request,
        form,
        lambda data: services.lead_decline(
            lead_id=lead.pk, actor=request.user, now=clock.now(), **data
        ),
    )
    if declined.done:
        messages.success(request, _("Lead declined."))
        if request.htmx:
            return _lead_row(request, lead.pk)
        return redirect("opportunities:lead_inbox")
    if request.htmx:
        return fragment(
            request,
            "opportunities/_lead_decline_row.html",
            {"lead": lead, "form": form, "now": clock.now()},
            status=400 if form.errors else 200,
        )
    return form_page(
        request,
        form,
        title=_("Decline %(title)s") % {"title": lead.display_title},
        submit=_("Decline lead"),
        cancel_url="opportunities:lead_inbox",
        intro=_("Say why: the sender is told."),
    )


@login_required
@require_POST
def lead_withdraw(request, pk: int):
    lead = lead_selectors.lead_get(user=request.user, lead_id=pk)
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
    require_seller(request.user)
    form = LeadSendForm(request.POST or None)
    return form_view(
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


def lead_key(lead) -> str:
    return live.key(lead.status, int(lead.needs_answer), lead.receiver_seller_id)


@login_required
def lead_status(request, pk: int):
    lead = lead_selectors.lead_get(user=request.user, lead_id=pk)
    return live.live_response(
        request,
        lead_key(lead),
        "opportunities/_lead_status.html",
        {"lead": lead, "now": clock.now()},
    )


@login_required
def leads_export(request):
    """The lead inbox as CSV (both directions unless ``direction`` says), with its filters."""
    if request.user.role == Role.NONE:
        raise PermissionDenied
    direction = request.GET.get("direction", "")
    queryset = lead_selectors.lead_list(
        user=request.user, direction=direction if direction in ("incoming", "outgoing") else ""
    )
    return csv_io.export_leads(csv_io.lead_filter(queryset, request.GET), user=request.user)
