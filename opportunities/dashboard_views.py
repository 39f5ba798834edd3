"""Dashboards and the "today's work" panel of the home pages."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import render
from django.template.loader import render_to_string

from cosell.core import clock
from cosell.partners.models import Role
from offers.models import CoSellStatus, Offer, OfferContact, OfferDocument
from offers.status_engine import Code, evaluate
from opportunities import dashboards
from opportunities.deals import selectors as deal_selectors
from opportunities.deals.models import Opportunity
from opportunities.leads import selectors as lead_selectors

PARTNER_ROLES = (Role.PARTNER_ADMIN, Role.PARTNER_USER)
# Offers already at the top of their track have no "next status".
TOP_STATUSES = (CoSellStatus.AZURE_IP_INCENTIVE, CoSellStatus.BIZAPPS_PREMIUM)
TODAY_LIMIT = 5
# How many offers the home page checks for "one requirement away" (newest changes first).
OFFERS_CHECKED = 200


@login_required
def dashboard(request):
    """The signed-in person's dashboard: their partner's figures, or a seller's inbox."""
    role = request.user.role
    now = clock.now()
    if role in PARTNER_ROLES:
        partner = request.user.partner
        context = dashboards.partner_dashboard(partner=partner, now=now)
        context["partner"] = partner
        return render(request, "opportunities/dashboard_partner.html", context)
    if role == Role.SELLER:
        context = dashboards.seller_dashboard(seller=request.user.seller, now=now)
        return render(request, "opportunities/dashboard_seller.html", context)
    if role == Role.ADMIN:
        return admin_dashboard(request)
    raise PermissionDenied


@login_required
def admin_dashboard(request):
    """Staff only: the same figures across every partner and every seller."""
    if not request.user.is_staff:
        raise PermissionDenied
    context = dashboards.admin_dashboard(now=clock.now())
    return render(request, "opportunities/dashboard_admin.html", context)


def _track(evaluation) -> list:
    """The requirements still missing on the offer's way to its next status."""
    by_code = {r.code: r for r in evaluation.checklist}
    status = evaluation.status
    if status == CoSellStatus.NOT_READY:
        track = evaluation.requirements_for(CoSellStatus.CO_SELL_READY)
    elif status == CoSellStatus.CO_SELL_READY and by_code[Code.AZURE_IP_TYPE].met:
        track = [r for r in evaluation.checklist if r.level == CoSellStatus.AZURE_IP_INCENTIVE]
    elif status == CoSellStatus.CO_SELL_READY and by_code[Code.BIZAPPS_TYPE].met:
        track = [r for r in evaluation.checklist if r.level == CoSellStatus.BIZAPPS_STANDARD]
    elif status == CoSellStatus.BIZAPPS_STANDARD:
        track = [by_code[Code.ISV_CONNECT_PREMIUM]]
    else:
        track = []
    return [r for r in track if not r.met]


NEXT_STATUS = {
    CoSellStatus.NOT_READY: CoSellStatus.CO_SELL_READY,
    CoSellStatus.BIZAPPS_STANDARD: CoSellStatus.BIZAPPS_PREMIUM,
}


def offers_one_step_away(*, partner, limit: int = TODAY_LIMIT) -> list[dict]:
    """The partner's offers exactly one requirement short of their next co-sell status.

    The status engine decides, on documents and contacts loaded in two prefetch queries."""
    offers = (
        Offer.objects.filter(partner_id=partner.pk)
        .exclude(co_sell_status__in=TOP_STATUSES)
        .order_by("-updated_at", "-id")
        .prefetch_related(
            Prefetch("documents", queryset=OfferDocument.objects.only("id", "offer_id", "kind")),
            Prefetch("contacts", queryset=OfferContact.objects.only("id", "offer_id", "role")),
        )[:OFFERS_CHECKED]
    )
    found = []
    for offer in offers:
        evaluation = evaluate(offer, partner, offer.documents.all(), offer.contacts.all())
        missing = _track(evaluation)
        if len(missing) != 1:
            continue
        status = evaluation.status
        if status == CoSellStatus.CO_SELL_READY:
            target = missing[0].level
        else:
            target = NEXT_STATUS.get(status, status)
        found.append(
            {"offer": offer, "requirement": missing[0], "next": CoSellStatus(target).label}
        )
        if len(found) >= limit:
            break
    return found


def home_today(request, partner=None, seller=None) -> str:
    """Home panel, first on the page: every kind of item waiting for this person."""
    if partner is None and seller is None:
        return ""
    now = clock.now()
    waiting = lead_selectors.leads_waiting(user=request.user, now=now)
    leads = list(waiting[:TODAY_LIMIT])
    leads_count = len(leads) if len(leads) < TODAY_LIMIT else waiting.order_by().count()
    overdue_deals = deal_selectors.opportunity_list(user=request.user).filter(
        status=Opportunity.Status.ACTIVE, close_date__lt=now.date()
    )
    if seller is not None:
        # Partner-led deals a seller only views are the partner's to close, not their work.
        overdue_deals = overdue_deals.filter(team__user=request.user)
    overdue = list(overdue_deals.order_by("close_date", "id")[:TODAY_LIMIT])
    offers = offers_one_step_away(partner=partner) if partner is not None else []
    return render_to_string(
        "opportunities/_home_today.html",
        {
            "leads": leads,
            "leads_count": leads_count,
            "overdue": overdue,
            "offers": offers,
            "now": now,
            "today": now.date(),
            "partner": partner,
            "seller": seller,
        },
        request=request,
    )


def home_shared_deals(request, partner=None, seller=None) -> str:
    """A seller's home: the partner-led deals shared with them for visibility (read-only)."""
    if seller is None:
        return ""
    shared = deal_selectors.deals_shared_with_seller(user=request.user)
    deals = list(shared[:TODAY_LIMIT])
    if not deals:
        return ""
    count = len(deals) if len(deals) < TODAY_LIMIT else shared.order_by().count()
    return render_to_string(
        "opportunities/_home_shared_deals.html",
        {"deals": deals, "count": count},
        request=request,
    )
