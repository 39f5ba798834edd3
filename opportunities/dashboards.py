"""Dashboard figures: set-based aggregates over opportunities, leads and offers.

Every figure is one grouped or aggregated query, so a dashboard costs the same few queries for
ten deals or a million. Private deals count in every aggregate (Microsoft forecasts with them)
but nothing here returns a row of a deal, only sums and counts.

The scopes are decided by the callers in one place each (``partner_scope``, ``seller_scope``,
``everything_scope``): a partner's own deals, leads and offers; a seller's own inbox and
answers; everything for staff.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.utils.translation import gettext as _

from cosell.core.charts import Chart
from cosell.partners.models import Partner, Seller
from offers.models import BadgeState, CoSellStatus, Offer
from opportunities.deals.choices import STAGE_ORDER, Category, Stage
from opportunities.deals.models import Opportunity
from opportunities.leads.models import Lead

# Dashboards draw at most this many currencies; the rest are in the totals table.
MAX_CURRENCY_CHARTS = 3
# Time-left buckets of a seller's inbox: (upper bound in hours, label).
TIME_LEFT_BUCKETS = (
    (24, "under_1d"),
    (72, "1_3d"),
    (168, "3_7d"),
    (None, "7_14d"),
)


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5)``: works on numbers and intervals."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


ANSWER_TIME = ExpressionWrapper(F("answered_at") - F("sent_at"), output_field=DurationField())
ANSWERED = (Lead.Status.ACCEPTED, Lead.Status.DECLINED)


@dataclass
class Scope:
    """What one dashboard aggregates over."""

    opportunities: QuerySet
    offers: QuerySet
    # Leads the scope answers (incoming) and leads it sent (outgoing).
    incoming: Q
    outgoing: Q | None = None
    # A seller's own inbox (received leads routed to them); None: not a seller dashboard.
    inbox: Q | None = None
    answers: Q | None = None


def partner_scope(partner: Partner) -> Scope:
    return Scope(
        opportunities=Opportunity.objects.filter(partner_id=partner.pk),
        offers=Offer.objects.filter(partner_id=partner.pk),
        incoming=Q(receiver_partner_id=partner.pk),
        outgoing=Q(sender_partner_id=partner.pk),
    )


def seller_scope(seller: Seller) -> Scope:
    return Scope(
        opportunities=Opportunity.objects.none(),
        offers=Offer.objects.none(),
        incoming=Q(receiver_seller_id=seller.pk),
        inbox=Q(receiver_seller_id=seller.pk),
        answers=Q(receiver=Lead.Receiver.MICROSOFT)
        & (Q(receiver_seller_id=seller.pk) | Q(answered_by_id=seller.user_id)),
    )


def everything_scope() -> Scope:
    return Scope(
        opportunities=Opportunity.objects.all(),
        offers=Offer.objects.all(),
        incoming=Q(receiver=Lead.Receiver.PARTNER),
        outgoing=Q(source=Lead.Source.PARTNER),
        inbox=Q(receiver=Lead.Receiver.MICROSOFT),
        answers=Q(receiver=Lead.Receiver.MICROSOFT),
    )


# --- Opportunities -------------------------------------------------------------------------


@dataclass
class PipelineFigures:
    totals: list[dict] = field(default_factory=list)  # per currency: value, count
    charts: list[Chart] = field(default_factory=list)
    won: int = 0
    lost: int = 0
    active: int = 0

    @property
    def win_rate(self) -> float | None:
        closed = self.won + self.lost
        return self.won / closed if closed else None


def pipeline_figures(opportunities: QuerySet) -> PipelineFigures:
    """Active value by category and by stage per currency, and the win rate (one query)."""
    rows = (
        opportunities.order_by()
        .values("status", "category", "stage", "currency")
        .annotate(total=Sum("value"), count=Count("id"))
    )
    figures = PipelineFigures()
    by_currency: dict[str, dict] = {}
    for row in rows:
        status = row["status"]
        if status == Opportunity.Status.WON:
            figures.won += row["count"]
        elif status == Opportunity.Status.LOST:
            figures.lost += row["count"]
        if status != Opportunity.Status.ACTIVE:
            continue
        figures.active += row["count"]
        money = row["total"] or Decimal(0)
        entry = by_currency.setdefault(
            row["currency"], {"total": Decimal(0), "count": 0, "category": {}, "stage": {}}
        )
        entry["total"] += money
        entry["count"] += row["count"]
        entry["category"][row["category"]] = entry["category"].get(row["category"], 0) + money
        entry["stage"][row["stage"]] = entry["stage"].get(row["stage"], 0) + money
    ordered = sorted(by_currency.items(), key=lambda item: (-item[1]["count"], item[0]))
    figures.totals = [
        {"currency": currency, "total": entry["total"], "count": entry["count"]}
        for currency, entry in ordered
    ]
    for currency, entry in ordered[:MAX_CURRENCY_CHARTS]:
        figures.charts.append(
            Chart(
                id=f"by-category-{currency.lower()}",
                title=_("Active pipeline by category (%(currency)s)") % {"currency": currency},
                series=[_("Value")],
                rows=[
                    (label, [entry["category"].get(code, 0)]) for code, label in Category.choices
                ],
                horizontal=True,
                value_format=currency,
            )
        )
        stage_labels = dict(Stage.choices)
        figures.charts.append(
            Chart(
                id=f"by-stage-{currency.lower()}",
                title=_("Active pipeline by stage (%(currency)s)") % {"currency": currency},
                series=[_("Value")],
                rows=[
                    (stage_labels[stage], [entry["stage"].get(stage, 0)])
                    for stage in STAGE_ORDER
                    if stage != Stage.WON
                ],
                value_format=currency,
            )
        )
    return figures


def win_loss_chart(figures: PipelineFigures) -> Chart:
    return Chart(
        id="win-rate",
        title=_("Closed deals"),
        series=[_("Deals")],
        rows=[(_("Won"), [figures.won]), (_("Lost"), [figures.lost])],
        type="doughnut",
    )


# --- Leads -----------------------------------------------------------------------------------


@dataclass
class LeadAnswers:
    """How leads were answered: in time (before expiry), expired, still waiting."""

    answered: int = 0
    accepted: int = 0
    declined: int = 0
    expired: int = 0
    waiting: int = 0
    median: timedelta | None = None

    @property
    def answered_rate(self) -> float | None:
        due = self.answered + self.expired
        return self.answered / due if due else None

    @property
    def accept_rate(self) -> float | None:
        due = self.accepted + self.declined + self.expired
        return self.accepted / due if due else None

    def chart(self, chart_id: str, title: str) -> Chart:
        return Chart(
            id=chart_id,
            title=title,
            series=[_("Leads")],
            rows=[
                (_("Accepted"), [self.accepted]),
                (_("Declined"), [self.declined]),
                (_("Expired"), [self.expired]),
                (_("Waiting"), [self.waiting]),
            ],
        )


def _answer_aggregates(prefix: str, where: Q) -> dict:
    """Conditional counts (and the median answer time) of the leads matching ``where``."""
    in_time = Q(status__in=ANSWERED, answered_at__lte=F("expires_at"))
    return {
        f"{prefix}_answered": Count("id", filter=where & in_time),
        f"{prefix}_accepted": Count("id", filter=where & Q(status=Lead.Status.ACCEPTED)),
        f"{prefix}_declined": Count("id", filter=where & Q(status=Lead.Status.DECLINED)),
        f"{prefix}_expired": Count("id", filter=where & Q(status=Lead.Status.EXPIRED)),
        f"{prefix}_waiting": Count("id", filter=where & Q(status=Lead.Status.RECEIVED)),
        f"{prefix}_median": Median(
            ANSWER_TIME, filter=where & Q(status__in=ANSWERED, answered_at__isnull=False)
        ),
    }


def _answers(row: dict, prefix: str) -> LeadAnswers:
    return LeadAnswers(
        answered=row[f"{prefix}_answered"],
        accepted=row[f"{prefix}_accepted"],
        declined=row[f"{prefix}_declined"],
        expired=row[f"{prefix}_expired"],
        waiting=row[f"{prefix}_waiting"],
        median=row[f"{prefix}_median"],
    )


def lead_figures(scope: Scope, now: datetime) -> dict:
    """Answers to incoming and outgoing leads, and a seller inbox by time left (one query)."""
    aggregates = _answer_aggregates("in", scope.incoming)
    where = scope.incoming
    if scope.outgoing is not None:
        aggregates.update(_answer_aggregates("out", scope.outgoing))
        where |= scope.outgoing
    if scope.answers is not None:
        aggregates.update(_answer_aggregates("ans", scope.answers))
        where |= scope.answers
    if scope.inbox is not None:
        waiting = scope.inbox & Q(status=Lead.Status.RECEIVED, expires_at__gt=now)
        lower = now
        for hours, key in TIME_LEFT_BUCKETS:
            bucket = waiting & Q(expires_at__gt=lower)
            if hours is not None:
                upper = now + timedelta(hours=hours)
                bucket &= Q(expires_at__lte=upper)
                lower = upper
            aggregates[f"bucket_{key}"] = Count("id", filter=bucket)
        where |= scope.inbox
    row = Lead.objects.filter(where).aggregate(**aggregates)
    result = {"incoming": _answers(row, "in")}
    if scope.outgoing is not None:
        result["outgoing"] = _answers(row, "out")
    if scope.answers is not None:
        result["answers"] = _answers(row, "ans")
    if scope.inbox is not None:
        labels = {
            "under_1d": _("Under 1 day"),
            "1_3d": _("1–3 days"),
            "3_7d": _("3–7 days"),
            "7_14d": _("7–14 days"),
        }
        result["inbox_total"] = sum(row[f"bucket_{key}"] for _h, key in TIME_LEFT_BUCKETS)
        result["inbox_chart"] = Chart(
            id="inbox-time-left",
            title=_("Leads waiting, by time left"),
            series=[_("Leads")],
            rows=[(labels[key], [row[f"bucket_{key}"]]) for _h, key in TIME_LEFT_BUCKETS],
        )
    return result


# --- Offers ------------------------------------------------------------------------------------


def offer_figures(offers: QuerySet) -> dict:
    """Offers by co-sell status, and the next Preferred solution badge date (two queries)."""
    counts = {
        row["co_sell_status"]: row["n"]
        for row in offers.order_by().values("co_sell_status").annotate(n=Count("id"))
    }
    next_badge = (
        offers.filter(badge_state=BadgeState.PENDING, badge_due_at__isnull=False)
        .order_by("badge_due_at", "id")
        .only("id", "name", "badge_due_at", "partner_id")
        .first()
    )
    return {
        "total": sum(counts.values()),
        "ready": sum(n for code, n in counts.items() if code != CoSellStatus.NOT_READY),
        "next_badge": next_badge,
        "chart": Chart(
            id="offers-by-status",
            title=_("Offers by co-sell status"),
            series=[_("Offers")],
            rows=[(label, [counts.get(code, 0)]) for code, label in CoSellStatus.choices],
            horizontal=True,
        ),
    }


# --- Dashboards ------------------------------------------------------------------------------


def partner_dashboard(*, partner: Partner, now: datetime) -> dict:
    scope = partner_scope(partner)
    pipeline = pipeline_figures(scope.opportunities)
    leads = lead_figures(scope, now)
    return {
        "pipeline": pipeline,
        "win_chart": win_loss_chart(pipeline),
        "leads": leads,
        "incoming_chart": leads["incoming"].chart("incoming-leads", _("Leads we received")),
        "outgoing_chart": leads["outgoing"].chart("outgoing-leads", _("Leads we shared")),
        "offers": offer_figures(scope.offers),
    }


def seller_dashboard(*, seller: Seller, now: datetime) -> dict:
    leads = lead_figures(seller_scope(seller), now)
    return {
        "leads": leads,
        "answers_chart": leads["answers"].chart("seller-answers", _("Your answers")),
    }


def admin_dashboard(*, now: datetime) -> dict:
    scope = everything_scope()
    pipeline = pipeline_figures(scope.opportunities)
    leads = lead_figures(scope, now)
    partners = Partner.objects.aggregate(n=Count("id"))["n"]
    return {
        "pipeline": pipeline,
        "win_chart": win_loss_chart(pipeline),
        "leads": leads,
        "incoming_chart": leads["incoming"].chart("incoming-leads", _("Leads partners received")),
        "outgoing_chart": leads["outgoing"].chart("outgoing-leads", _("Leads partners shared")),
        "answers_chart": leads["answers"].chart("microsoft-answers", _("Microsoft's answers")),
        "offers": offer_figures(scope.offers),
        "partners": partners,
    }
