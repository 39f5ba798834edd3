"""Download in Partner Center's layout: the pipeline (its filters applied, at most 5,000 rows)
as the person may see it (``rules.opportunity_as_seen_by``), and the empty upload template.

Ids: the Engagement ID is the deal's id in the portal (one engagement per deal); the Referral
ID is the id of the viewer's own referral, as the Referrals API and the webhooks name it
(``partnercenter.ids``): ``opportunity-<deal id>`` for its owner, ``lead-<lead id>`` for a partner
invited to it. An upload matches on the Engagement ID, then the CRM ID.
"""

from django.db.models import Count, Prefetch, Q

from cosell.core import csv_files
from opportunities import rules
from opportunities.deals import csv_io as deal_csv
from opportunities.deals.choices import CO_SELL_CATEGORIES, ERROR_REASON_NUMBER, LOST_REASON_NUMBER
from opportunities.deals.models import Opportunity, OpportunitySolution, TeamMember
from opportunities.leads.models import Lead
from partnercenter import ids

from . import columns as c

EXPORT_LIMIT = csv_files.EXPORT_LIMIT  # 5,000, as Partner Center
FILENAME = "co-sell-opportunities.csv"
TEMPLATE_FILENAME = "co-sell-opportunities-template.csv"

MICROSOFT_STATUS = {
    Lead.Status.RECEIVED: "Pending",
    Lead.Status.ACCEPTED: "Accepted",
    Lead.Status.DECLINED: "Declined",
    Lead.Status.EXPIRED: "Expired",
    Lead.Status.WITHDRAWN: "Withdrawn",
}
OPPORTUNITY_STATUS = {
    Opportunity.Status.ACTIVE: ("Active", "Accepted"),
    Opportunity.Status.WON: ("Closed", "Won"),
    Opportunity.Status.LOST: ("Closed", "Lost"),
    Opportunity.Status.ERROR: ("Closed", "Error"),
}
INVITED_LEAD_STATUS = {
    Lead.Status.RECEIVED: ("New", "Received"),
    Lead.Status.DECLINED: ("Closed", "Declined"),
    Lead.Status.EXPIRED: ("Closed", "Expired"),
    Lead.Status.WITHDRAWN: ("Closed", "Lost"),
}


def _viewer_partner_id(user) -> int | None:
    membership = getattr(user, "membership_or_none", None)
    return membership.partner_id if membership is not None else None


def _leads(opportunity: Opportunity) -> list[Lead]:
    return sorted(opportunity.leads.all(), key=lambda lead: (lead.sent_at, lead.pk))


def microsoft_lead(opportunity: Opportunity) -> Lead | None:
    leads = [lead for lead in _leads(opportunity) if lead.receiver == Lead.Receiver.MICROSOFT]
    return leads[-1] if leads else None


def own_lead(opportunity: Opportunity, partner_id: int | None) -> Lead | None:
    leads = [lead for lead in _leads(opportunity) if lead.receiver_partner_id == partner_id]
    return leads[-1] if leads else None


def status_cells(opportunity: Opportunity, partner_id: int | None) -> tuple[str, str, str]:
    """(Partner Referral Status, Substatus, reason number) of the viewer's referral."""
    if partner_id is not None and partner_id != opportunity.partner_id:
        lead = own_lead(opportunity, partner_id)
        if lead is not None and lead.status in INVITED_LEAD_STATUS:
            status, substatus = INVITED_LEAD_STATUS[lead.status]
            reason = LOST_REASON_NUMBER.get(lead.decline_reason, "")
            return status, substatus, str(reason) if lead.status == Lead.Status.DECLINED else ""
    status, substatus = OPPORTUNITY_STATUS[opportunity.status]
    reason = ""
    if opportunity.status == Opportunity.Status.LOST:
        reason = LOST_REASON_NUMBER.get(opportunity.close_reason, "")
    elif opportunity.status == Opportunity.Status.ERROR:
        reason = ERROR_REASON_NUMBER.get(opportunity.close_reason, "")
    return status, substatus, str(reason)


def shares_with_microsoft(opportunity: Opportunity) -> bool:
    return opportunity.category in CO_SELL_CATEGORIES or microsoft_lead(opportunity) is not None


def referral_id(opportunity: Opportunity, partner_id: int | None) -> str:
    if partner_id is not None and partner_id != opportunity.partner_id:
        lead = own_lead(opportunity, partner_id)
        if lead is not None:
            return ids.referral_id_for_lead(lead)
    return ids.referral_id_for_opportunity(opportunity)


def split_name(full: str) -> tuple[str, str]:
    """First and last name of a contact kept as one name: the last word is the last name
    (a name without spaces, as Chinese names are written, is all first name)."""
    first, _sep, last = (full or "").strip().rpartition(" ")
    return (first, last) if first else (last, "")


def solution_cell(solution: OpportunitySolution) -> str:
    if solution.kind == OpportunitySolution.Kind.OFFER:
        return f"offer:{solution.offer_id}"
    return f"{solution.kind}:{solution.name}"


def person_cell(user) -> str:
    return ", ".join([user.first_name, user.last_name, "", user.email])


def row_values(opportunity: Opportunity, *, user) -> dict[str, object]:
    """The row as ``user`` may see it, by column name."""
    partner_id = _viewer_partner_id(user)
    seen = rules.opportunity_as_seen_by(opportunity, user)
    status, substatus, reason = status_cells(opportunity, partner_id)
    ms_lead = microsoft_lead(opportunity)
    first, last = split_name(seen.contact_name)
    owner_side = partner_id == opportunity.partner_id
    team_roles = (
        (TeamMember.Role.OWNER, TeamMember.Role.MEMBER)
        if owner_side
        else (TeamMember.Role.PARTNER,)
    )
    values = {
        c.ENGAGEMENT_ID: opportunity.pk,
        c.REFERRAL_ID: referral_id(opportunity, partner_id),
        c.DEAL_NAME: seen.name,
        c.CUSTOMER_NAME: seen.customer_name,
        c.ADDRESS_1: seen.customer_address,
        c.COUNTRY: seen.customer_country.code if seen.customer_country else "",
        c.DUNS: seen.customer_duns,
        c.CONTACT_FIRST: first,
        c.CONTACT_LAST: last,
        c.CONTACT_PHONE: seen.contact_phone,
        c.CONTACT_EMAIL: seen.contact_email,
        c.STATUS: status,
        c.SUBSTATUS: substatus,
        c.MICROSOFT_STATUS: MICROSOFT_STATUS.get(ms_lead.status, "") if ms_lead else "",
        c.REASON: reason,
        c.SALES_STAGE: opportunity.progress,
        c.VALUE: "" if seen.value is None else seen.value,
        c.CURRENCY: seen.currency,
        c.CLOSE_DATE: seen.close_date.strftime(c.DATE_FORMAT) if seen.close_date else "",
        c.CRM_ID: seen.crm_id,
        c.NOTES: seen.notes,
        c.HELP_REQUIRED: c.YES if seen.help_needed else c.NO,
        c.HELP_WHAT: ";".join(
            str(c.HELP_NUMBER[code]) for code in seen.help_needed or () if code in c.HELP_NUMBER
        ),
        c.SHARE: c.YES if shares_with_microsoft(opportunity) else c.NO,
        c.CONSENT: c.YES if seen.contact_consent else c.NO,
        c.PARTNER_ID: opportunity.partner.partner_id,
        c.PURCHASE_INTENT: c.PURCHASE_INTENT_CELL.get(seen.purchase_intent, ""),
    }
    for i, solution in enumerate(opportunity.solutions.all(), start=1):
        values[c.SOLUTION.format(i)] = solution_cell(solution)
    members = list(opportunity.team.all())
    ours = [m for m in members if m.role in team_roles]
    if not owner_side:
        ours = [m for m in ours if _member_partner_id(m) == partner_id]
    for i, member in enumerate(ours, start=1):
        values[c.TEAM_MEMBER.format(i)] = person_cell(member.user)
    sellers = [m for m in members if m.role == TeamMember.Role.SELLER]
    for i, member in enumerate(sellers, start=1):
        values[c.MICROSOFT_TEAM_MEMBER.format(i)] = person_cell(member.user)
    return values


def _member_partner_id(member: TeamMember) -> int | None:
    membership = member.user.membership_or_none
    return membership.partner_id if membership is not None else None


def export_queryset(queryset):
    """``queryset``: the caller's filtered ``selectors.opportunity_list``."""
    return (
        queryset.select_related("partner")
        .prefetch_related(None)
        .prefetch_related(
            "solutions",
            "leads",
            Prefetch("team", queryset=TeamMember.objects.select_related("user__membership")),
        )
        .order_by("-created_at", "-id")[:EXPORT_LIMIT]
    )


def export(queryset, *, user):
    """A streamed CSV (UTF-8 with BOM, formulas defused) in Partner Center's layout."""
    limited = export_queryset(queryset)
    most = (
        Opportunity.objects.filter(pk__in=limited.values("pk"))
        .annotate(
            n_solutions=Count("solutions", distinct=True),
            n_team=Count("team", filter=~Q(team__role=TeamMember.Role.SELLER), distinct=True),
            n_sellers=Count("team", filter=Q(team__role=TeamMember.Role.SELLER), distinct=True),
        )
        .values_list("n_solutions", "n_team", "n_sellers")
    )
    n_solutions = n_team = n_sellers = 1
    for solutions, team, sellers in most:
        n_solutions, n_team, n_sellers = (
            max(n_solutions, solutions),
            max(n_team, team),
            max(n_sellers, sellers),
        )
    header = c.header(n_solutions, n_team, n_sellers)

    def rows():
        for opportunity in limited.iterator(chunk_size=deal_csv.CHUNK_SIZE):
            values = row_values(opportunity, user=user)
            yield [values.get(column, "") for column in header]

    return csv_files.streaming_csv(csv_files.csv_lines(header, rows()), FILENAME)


def template():
    """The upload template: the header, and nothing else."""
    return csv_files.streaming_csv(csv_files.csv_lines(c.header(), iter(())), TEMPLATE_FILENAME)
