"""The caller's referrals: which rows they are, and the OData filter on them.

One referral per party of an engagement (an opportunity is the engagement; ``engagementId`` is
its id):

- ``opportunity-<id>``: the owning partner's own referral of a deal it recorded (``Outgoing``).
- ``lead-<id>``: a lead (an invitation) as a referral: the receiving partner's referral
  (``Incoming``; a seller's lead the partner accepted stays its referral of that deal), and the
  other party's referral of a deal the caller shared (``Outgoing``: the Microsoft side, target
  ``msft``, or an invited partner's).

Rows come from the portal's own selectors (``opportunity_list``, ``lead_list``), so tenancy is
decided there; marketplace leads are not referrals (Partner Center's API leaves them out).
"""

import re
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Greatest
from django.http import Http404
from django.utils.translation import gettext as _

from opportunities.deals import selectors as deal_selectors
from opportunities.deals.models import Opportunity, OpportunitySolution, TeamMember
from opportunities.leads import selectors as lead_selectors
from opportunities.leads.models import Lead
from partnercenter import ids

from .odata import (
    DATETIME_PROPERTIES,
    Any,
    Comparison,
    Junction,
    ODataError,
    Query,
    parse_datetime_value,
)

OPPORTUNITY, LEAD = "opportunity", "lead"
NOTHING = Q(pk__in=[])
EVERYTHING = Q()
S = Opportunity.Status
L = Lead.Status
CLOSED = (S.WON, S.LOST, S.ERROR)
# Partner Center's four sales stages over the portal's seven.
SALES_STAGES = {
    "Qualify": ("created", "accepted", "qualified"),
    "Develop": ("developed",),
    "Propose": ("proposed", "negotiated"),
    "Close": ("won",),
}


def referral_id(kind: str, pk: int) -> str:
    """The scheme lives in ``partnercenter.ids`` (shared with the bulk CSV and the webhooks)."""
    return ids.opportunity_referral_id(pk) if kind == OPPORTUNITY else ids.lead_referral_id(pk)


def parse_referral_id(value: str) -> tuple[str, int]:
    """``opportunity-12`` -> (opportunity, 12); anything else is no referral (404)."""
    parsed = ids.parse_referral_id(value)
    if parsed is None:
        raise Http404
    return parsed


def number_after(value, prefix: str) -> int | None:
    """The number after ``prefix`` (which must be there), or None: nothing matches."""
    text = str(value or "")
    if prefix:
        if not text.startswith(prefix):
            return None
        text = text[len(prefix) :]
    return int(text) if re.fullmatch(r"\d{1,12}", text) else None


def _pk(field: str, value, prefix: str = "") -> Q:
    number = number_after(value, prefix)
    return Q(**{field: number}) if number is not None else NOTHING


def _choice(table: dict, value) -> Q:
    return table.get(str(value), NOTHING)


def _opportunity_fields(partner_id: int) -> dict:
    return {
        "id": lambda v: _pk("pk", v, "opportunity-"),
        "engagementId": lambda v: _pk("pk", v),
        "name": lambda v: Q(name=v),
        "externalReferenceId": lambda v: Q(crm_id=v),
        "status": lambda v: _choice(
            {"Active": Q(status=S.ACTIVE), "Closed": Q(status__in=CLOSED)}, v
        ),
        "substatus": lambda v: _choice(
            {
                "Accepted": Q(status=S.ACTIVE),
                "Won": Q(status=S.WON),
                "Lost": Q(status__in=(S.LOST, S.ERROR)),
            },
            v,
        ),
        "type": lambda v: _choice(
            {"Independent": Q(category="private"), "Shared": ~Q(category="private")}, v
        ),
        "direction": lambda v: _choice({"Outgoing": EVERYTHING}, v),
        "qualification": lambda v: _choice({"None": EVERYTHING}, v),
        "customerProfile/name": lambda v: Q(customer_name=v),
        "customerProfile/address/country": lambda v: Q(customer_country=str(v).upper()),
        "customerProfile/size": lambda v: Q(customer_size=v),
        "details/currency": lambda v: Q(currency=v),
        "salesStage": lambda v: Q(stage__in=SALES_STAGES.get(str(v), ())),
    }


def _lead_fields(partner_id: int) -> dict:
    incoming = Q(receiver_partner_id=partner_id)
    accepted = Q(status=L.ACCEPTED)
    no_deal = Q(opportunity__isnull=True)
    return {
        "id": lambda v: _pk("pk", v, "lead-"),
        "engagementId": lambda v: _pk("opportunity_id", v),
        "name": lambda v: (
            Q(opportunity__name=v) | (no_deal & (Q(title=v) | Q(title="", customer_name=v)))
        ),
        # The CRM id is the owning partner's: it matches only on deals the caller owns.
        "externalReferenceId": lambda v: (
            incoming & Q(opportunity__partner_id=partner_id, opportunity__crm_id=v)
        ),
        "status": lambda v: _choice(
            {
                "New": Q(status=L.RECEIVED),
                "Active": accepted & Q(opportunity__status=S.ACTIVE),
                "Closed": Q(status__in=(L.DECLINED, L.EXPIRED, L.WITHDRAWN))
                | (accepted & Q(opportunity__status__in=CLOSED)),
            },
            v,
        ),
        "substatus": lambda v: _choice(
            {
                "Pending": Q(status=L.RECEIVED) & incoming,
                "Received": Q(status=L.RECEIVED) & ~incoming,
                "Accepted": accepted & Q(opportunity__status=S.ACTIVE),
                "Won": accepted & Q(opportunity__status=S.WON),
                "Lost": (accepted & Q(opportunity__status__in=(S.LOST, S.ERROR)))
                | Q(status=L.WITHDRAWN),
                "Declined": Q(status=L.DECLINED),
                "Expired": Q(status=L.EXPIRED),
            },
            v,
        ),
        "type": lambda v: _choice({"Shared": EVERYTHING}, v),
        "direction": lambda v: _choice({"Incoming": incoming, "Outgoing": ~incoming}, v),
        "qualification": lambda v: _choice(
            {"SalesQualified": Q(source=Lead.Source.SELLER), "None": Q(source="partner")}, v
        ),
        "customerProfile/name": lambda v: (
            Q(opportunity__customer_name=v) | (no_deal & Q(customer_name=v))
        ),
        "customerProfile/address/country": lambda v: (
            Q(opportunity__customer_country=str(v).upper())
            | (no_deal & Q(customer_country=str(v).upper()))
        ),
        "customerProfile/size": lambda v: Q(opportunity__customer_size=v),
        "details/currency": lambda v: Q(opportunity__currency=v) | (no_deal & Q(currency=v)),
        "salesStage": lambda v: Q(opportunity__stage__in=SALES_STAGES.get(str(v), ())),
    }


DATETIME_FIELDS = {
    OPPORTUNITY: {"createdDateTime": "created_at", "updatedDateTime": "updated_at"},
    LEAD: {"createdDateTime": "sent_at", "updatedDateTime": "pc_updated"},
}
FILTERABLE = sorted({*_opportunity_fields(0), *DATETIME_PROPERTIES, "team/any(t:t/email eq '…')"})


@dataclass
class _Translator:
    kind: str
    partner_id: int

    def __post_init__(self):
        make = _opportunity_fields if self.kind == OPPORTUNITY else _lead_fields
        self.fields = make(self.partner_id)

    def q(self, node) -> Q:
        if isinstance(node, Junction):
            result = self.q(node.children[0])
            for child in node.children[1:]:
                result = (result & self.q(child)) if node.op == "and" else (result | self.q(child))
            return result
        if isinstance(node, Any):
            return self.any(node)
        return self.comparison(node)

    def comparison(self, node: Comparison) -> Q:
        if node.path in DATETIME_PROPERTIES:
            field = DATETIME_FIELDS[self.kind][node.path]
            when = parse_datetime_value(node.path, node.value)
            if node.op == "ne":
                return ~Q(**{field: when})
            lookup = {"eq": "exact", "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}[node.op]
            return Q(**{f"{field}__{lookup}": when})
        handler = self.fields.get(node.path)
        if handler is None:
            raise ODataError("$filter", _cannot_filter(node.path))
        if node.op not in ("eq", "ne"):
            raise ODataError("$filter", _only_eq(node.path, node.op))
        value = "" if node.value is None else node.value
        matched = handler(value if isinstance(value, str) else str(value).lower())
        return matched if node.op == "eq" else ~matched

    def any(self, node: Any) -> Q:
        if node.collection != "team" or node.condition.path != "email":
            raise ODataError("$filter", _cannot_filter(f"{node.collection}/any()"))
        if node.condition.op != "eq":
            raise ODataError("$filter", _only_eq(f"{node.collection}/email", node.condition.op))
        outer = "pk" if self.kind == OPPORTUNITY else "opportunity_id"
        return Q(
            Exists(
                TeamMember.objects.filter(
                    opportunity=OuterRef(outer), user__email__iexact=str(node.condition.value)
                )
            )
        )


def _cannot_filter(path: str) -> str:
    return _("$filter: the portal cannot filter on “%(path)s” (it filters on: %(fields)s).") % {
        "path": path,
        "fields": ", ".join(FILTERABLE),
    }


def _only_eq(path: str, op: str) -> str:
    return _("$filter: “%(path)s” takes eq or ne, not “%(op)s”.") % {"path": path, "op": op}


def opportunity_rows(*, user, partner_id: int) -> QuerySet[Opportunity]:
    """The caller's own referrals of deals its partner recorded (not those it accepted from a
    Microsoft seller: that lead stays its referral)."""
    from_seller = Lead.objects.filter(
        opportunity=OuterRef("pk"),
        source=Lead.Source.SELLER,
        receiver_partner_id=OuterRef("partner_id"),
    )
    return (
        deal_selectors.opportunity_list(user=user)
        .filter(partner_id=partner_id)
        .exclude(Exists(from_seller))
        .select_related("registration")
    )


def lead_rows(*, user) -> QuerySet[Lead]:
    return (
        lead_selectors.lead_list(user=user)
        .exclude(source=Lead.Source.MARKETPLACE)
        .annotate(pc_updated=Greatest("sent_at", "answered_at", "opportunity__updated_at"))
        .select_related("opportunity__partner", "opportunity__registration")
        .prefetch_related(
            Prefetch("opportunity__team", queryset=TeamMember.objects.select_related("user")),
            Prefetch(
                "opportunity__solutions",
                queryset=OpportunitySolution.objects.select_related("offer"),
            ),
        )
    )


def referral_get(*, user, partner_id: int, referral: str):
    """The referral's row (an opportunity or a lead) if the caller may see it, else 404."""
    kind, pk = parse_referral_id(referral)
    rows = (
        opportunity_rows(user=user, partner_id=partner_id)
        if kind == OPPORTUNITY
        else lead_rows(user=user)
    )
    row = rows.filter(pk=pk).first()
    if row is None:
        raise Http404
    return kind, row


def referral_page(*, user, partner_id: int, query: Query) -> tuple[list, int | None, bool]:
    """The page of (kind, row) the query asks for, the total when ``$count``, and whether more
    follow. Both kinds are filtered and ordered in SQL; the page is merged from the first
    ``$skip + $top`` keys of each."""
    ordering = query.orderby or [("createdDateTime", True)]
    sources = {
        OPPORTUNITY: opportunity_rows(user=user, partner_id=partner_id),
        LEAD: lead_rows(user=user),
    }
    keys: list[tuple[str, int, tuple]] = []
    total = 0 if query.count else None
    limit = query.skip + query.top + 1
    for kind, rows in sources.items():
        if query.filter is not None:
            rows = rows.filter(_Translator(kind, partner_id).q(query.filter))
            sources[kind] = rows
        fields = [DATETIME_FIELDS[kind][name] for name, _desc in ordering]
        order = [("-" if desc else "") + DATETIME_FIELDS[kind][n] for n, desc in ordering]
        for values in rows.order_by(*order, "pk").values_list(*fields, "pk")[:limit]:
            keys.append((kind, values[-1], values[:-1]))
        if total is not None:  # asked for with ``$count``
            total += rows.order_by().count()
    keys.sort(key=lambda key: (key[0] != OPPORTUNITY, key[1]))
    for index in reversed(range(len(ordering))):
        keys.sort(key=lambda key: key[2][index], reverse=ordering[index][1])
    page = keys[query.skip : query.skip + query.top]
    more = query.top > 0 and len(keys) > query.skip + query.top
    loaded = {
        kind: sources[kind].in_bulk([pk for k, pk, _v in page if k == kind])
        for kind in (OPPORTUNITY, LEAD)
    }
    found = [(kind, loaded[kind][pk]) for kind, pk, _v in page if pk in loaded[kind]]
    return found, total, more
