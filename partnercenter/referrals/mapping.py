"""Opportunities, leads and deal registrations as Partner Center's Referral object.

Every referral is rendered from what the access policy returns (``opportunity_as_seen_by`` and
``lead_as_seen_by`` in ``opportunities.rules``): a partner invited to another partner's deal
gets its referral without the owner's notes, CRM id or address, a customer contact only with
consent and not after the lead was declined or expired, and no deal registration (the owner's).
Absent values are left out (Microsoft's schema has no nulls).
"""

from urllib.parse import urlencode

from django.urls import reverse

from opportunities import consent
from opportunities.deals.choices import HelpNeeded
from opportunities.deals.models import Opportunity
from opportunities.leads.models import Lead
from opportunities.rules import lead_as_seen_by, opportunity_as_seen_by
from registrations import rules as registration_rules

from .formats import day, instant
from .registration_mapping import registrations as _registrations
from .selectors import LEAD, OPPORTUNITY, SALES_STAGES, referral_id

MICROSOFT = {"organizationId": "msft", "organizationName": "Microsoft"}
# The Referral's top-level properties (Microsoft's connector definition): what $select names.
PROPERTIES = frozenset(
    {
        "id", "engagementId", "organizationId", "organizationName", "name", "externalReferenceId",
        "createdDateTime", "updatedDateTime", "expirationDateTime", "acceptedDateTime",
        "closedDateTime", "status", "substatus", "statusReason", "type", "qualification",
        "direction", "customerProfile", "consent", "details", "team", "inviteContext", "target",
        "salesStage", "eTag", "links", "registrations", "registrationStatus", "campaignId",
        "referralProgram", "favorite", "lastModifiedVia", "lastRunId", "mpnId", "callToAction",
        "referralSource", "quality", "isSpam", "tags", "trackingInfo", "@odata.context",
    }
)  # fmt: skip
HELP_CODES = {
    HelpNeeded.WORKLOAD_VALUE_PROPOSITION: "WorkloadSpecificValueProposition",
    HelpNeeded.CUSTOMER_TECHNICAL_ARCHITECTURE: "CustomerTechnicalArchitecture",
    HelpNeeded.PROOF_OF_CONCEPT: "ProofOfConceptOrDemo",
    HelpNeeded.QUOTES_LICENSING: "QuotesOrLicensing",
    HelpNeeded.POST_SALES: "PostSalesCustomerSuccess",
    HelpNeeded.GENERAL: "GeneralOrOther",
}
STAGE_NAMES = {stage: name for name, stages in SALES_STAGES.items() for stage in stages}
OPPORTUNITY_STATUS = {
    Opportunity.Status.ACTIVE: ("Active", "Accepted"),
    Opportunity.Status.WON: ("Closed", "Won"),
    Opportunity.Status.LOST: ("Closed", "Lost"),
    Opportunity.Status.ERROR: ("Closed", "Lost"),
}


def organization_id(partner) -> str:
    """A partner's ``organizationId``: its PartnerID, or ``cosell-partner-<id>`` without one."""
    return partner.partner_id or f"cosell-partner-{partner.pk}"


def _clean(value):
    """Leave out what is absent: Microsoft's schema types every property, without nulls."""
    if isinstance(value, dict):
        cleaned = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v is not None and v != {}}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def opportunity_etag(opportunity: Opportunity, registration=None) -> str:
    if registration is not None:
        return f'"{opportunity.pk}-{opportunity.version}-r{registration.version}"'
    return f'"{opportunity.pk}-{opportunity.version}"'


def lead_etag(lead: Lead, registration=None) -> str:
    version = lead.opportunity.version if lead.opportunity_id else 0
    tail = f"-r{registration.version}" if registration is not None else ""
    return f'"L{lead.pk}-{lead.status}-{version}{tail}"'


def own_deal_of_lead(lead: Lead, user):
    """The deal behind a lead the caller received and whose deal its partner owns (a seller's
    lead it accepted), else None."""
    partner = user.partner
    if partner is None or lead.receiver_partner_id != partner.pk or not lead.opportunity_id:
        return None
    return lead.opportunity if lead.opportunity.partner_id == partner.pk else None


def etag(kind: str, row, user) -> str:
    """The referral's current eTag (If-Match compares with it)."""
    if kind == OPPORTUNITY:
        return opportunity_etag(row, _registration(row, user))
    deal = own_deal_of_lead(row, user)
    return lead_etag(row, _registration(deal, user) if deal is not None else None)


def _registration(opportunity: Opportunity, user):
    registration = getattr(opportunity, "registration", None)
    if registration is None or not registration_rules.can_view(user, opportunity):
        return None
    return registration


def _person(name: str, email: str = "", phone: str = "") -> dict:
    first, _space, last = (name or "").strip().partition(" ")
    return {
        "firstName": first,
        "lastName": last,
        "email": email or None,
        "phoneNumber": phone or None,
    }


def _team(opportunity: Opportunity) -> list[dict]:
    return [
        {
            "firstName": member.user.first_name or member.user.username,
            "lastName": member.user.last_name,
            "email": member.user.email or None,
        }
        for member in opportunity.team.all()
    ]


def _solutions(opportunity: Opportunity) -> list[dict]:
    return [
        {
            "id": f"offer-{solution.offer_id}" if solution.offer_id else solution.name,
            "name": solution.label,
            "type": "SolutionProfile" if solution.offer_id else "Name",
        }
        for solution in opportunity.solutions.all()
    ]


def _customer(deal: Opportunity, contact: dict | None) -> dict:
    return {
        "name": deal.customer_name,
        "address": {
            "addressLine1": deal.customer_address or None,
            "country": deal.customer_country.code if deal.customer_country else None,
        },
        "size": deal.customer_size or None,
        "ids": [{"type": "Duns", "id": deal.customer_duns}] if deal.customer_duns else [],
        "team": [_person(contact["name"], contact["email"], contact["phone"])] if contact else [],
    }


def _details(deal: Opportunity) -> dict:
    withheld = getattr(deal, "withheld", frozenset())
    return {
        "notes": None if "notes" in withheld else deal.notes,
        "dealValue": float(deal.value) if deal.value is not None else None,
        "currency": deal.currency or None,
        "closingDateTime": day(deal.close_date),
        "requirements": {"solutions": _solutions(deal)},
    }


def _deal_fields(deal: Opportunity, contact: dict | None) -> dict:
    """What a referral takes from its deal (already as the viewer may see it)."""
    help_needed = list(deal.help_needed or [])
    return {
        "engagementId": str(deal.pk),
        "name": deal.name,
        "customerProfile": _customer(deal, contact),
        "consent": {
            "consentToContact": deal.contact_consent,
            "consentToToShareInfoWithOthers": deal.contact_consent,
            "consentToShareReferralWithMicrosoftSellers": deal.category != "private",
        },
        "details": _details(deal),
        "team": _team(deal),
        "salesStage": STAGE_NAMES.get(deal.stage),
        "assistance": HELP_CODES.get(help_needed[0]) if help_needed else None,
    }


def _links(request, rid: str, engagement: str | None) -> dict:
    links = {
        "self": {
            "uri": request.build_absolute_uri(reverse("pc-referral", args=[rid])),
            "method": "GET",
        }
    }
    if engagement:
        query = urlencode({"$filter": f"engagementId eq '{engagement}'"})
        links["relatedReferrals"] = {
            "uri": request.build_absolute_uri(reverse("pc-referrals")) + "?" + query,
            "method": "GET",
        }
    return links


def render_opportunity(opportunity: Opportunity, *, request) -> dict:
    """The owning partner's own referral of its deal."""
    user = request.user
    seen = opportunity_as_seen_by(opportunity, user)
    contact = consent.shown(seen) if seen.contact_name else None
    fields = _deal_fields(seen, contact)
    status, substatus = OPPORTUNITY_STATUS[opportunity.status]
    registration = _registration(opportunity, user)
    rid = referral_id(OPPORTUNITY, opportunity.pk)
    partner = opportunity.partner
    body = {
        "id": rid,
        "organizationId": organization_id(partner),
        "organizationName": partner.name,
        "externalReferenceId": seen.crm_id or None,
        "createdDateTime": instant(opportunity.created_at),
        "updatedDateTime": instant(opportunity.updated_at),
        "closedDateTime": instant(opportunity.closed_at),
        "status": status,
        "substatus": substatus,
        "statusReason": seen.get_close_reason_display() if seen.close_reason else None,
        "type": "Independent" if opportunity.category == "private" else "Shared",
        "qualification": "None",
        "direction": "Outgoing",
        "target": [],
        "inviteContext": {
            "invitedBy": {
                "organizationId": organization_id(partner),
                "organizationName": partner.name,
            },
            "assistanceRequestCode": fields.pop("assistance"),
        },
        "eTag": opportunity_etag(opportunity, registration),
        "links": _links(request, rid, str(opportunity.pk)),
        **fields,
        **_registrations(registration),
    }
    return _clean(body)


def lead_status(lead: Lead, incoming: bool) -> tuple[str, str]:
    if lead.status == Lead.Status.RECEIVED:
        return "New", "Pending" if incoming else "Received"
    if lead.status == Lead.Status.ACCEPTED and lead.opportunity_id:
        return OPPORTUNITY_STATUS[lead.opportunity.status]
    return "Closed", {"declined": "Declined", "expired": "Expired"}.get(lead.status, "Lost")


def render_lead(lead: Lead, *, request) -> dict:
    """A lead as a referral: the receiving partner's own (Incoming), or the other party's
    referral of a deal the caller shared (Outgoing)."""
    user = request.user
    seen = lead_as_seen_by(lead, user)
    incoming = seen.direction == "incoming"
    deal = seen.opportunity if lead.opportunity_id else None
    if deal is not None:
        fields = _deal_fields(deal, seen.visible_contact)
    else:
        fields = {
            "name": lead.title or lead.customer_name,
            "customerProfile": {
                "name": lead.customer_name,
                "address": {"country": lead.customer_country.code or None},
                "team": [_person(**seen.visible_contact)] if seen.visible_contact else [],
            },
            "consent": {
                "consentToContact": lead.contact_consent,
                "consentToToShareInfoWithOthers": lead.contact_consent,
            },
            "details": {
                "notes": lead.notes,
                "dealValue": float(lead.value) if lead.value is not None else None,
                "currency": lead.currency or None,
                "closingDateTime": day(lead.close_date),
            },
            "team": [],
        }
    assistance = fields.pop("assistance", None)
    if incoming and lead.status != Lead.Status.ACCEPTED:
        # The deal's people are for those on it: an invitation not (or no longer) accepted
        # shows the deal as the lead shares it, as /api/v1's lead does.
        fields["team"] = []
    status, substatus = lead_status(lead, incoming)
    owned = own_deal_of_lead(lead, user) is not None
    if lead.receiver == Lead.Receiver.MICROSOFT:
        organization = dict(MICROSOFT)
    else:
        organization = {
            "organizationId": organization_id(lead.receiver_partner),
            "organizationName": lead.receiver_partner.name,
        }
    if lead.sender_partner_id:
        invited_by = {
            "organizationId": organization_id(lead.sender_partner),
            "organizationName": lead.sender_partner.name,
        }
    else:
        invited_by = dict(MICROSOFT)
    rid = referral_id(LEAD, lead.pk)
    reason = None
    if lead.status == Lead.Status.DECLINED and lead.decline_reason:
        reason = lead.get_decline_reason_display()
    elif deal is not None and deal.close_reason and lead.status == Lead.Status.ACCEPTED:
        reason = deal.get_close_reason_display()
    registration = _registration(lead.opportunity, user) if owned else None
    body = {
        "id": rid,
        **organization,
        "externalReferenceId": (deal.crm_id or None) if owned else None,
        "createdDateTime": instant(lead.sent_at),
        "updatedDateTime": instant(
            lead.pc_updated if hasattr(lead, "pc_updated") else lead.sent_at
        ),
        "expirationDateTime": instant(lead.expires_at)
        if lead.status == Lead.Status.RECEIVED
        else None,
        "acceptedDateTime": instant(lead.answered_at)
        if lead.status == Lead.Status.ACCEPTED
        else None,
        "status": status,
        "substatus": substatus,
        "statusReason": reason,
        "type": "Shared",
        "qualification": "SalesQualified" if lead.source == Lead.Source.SELLER else "None",
        "direction": "Incoming" if incoming else "Outgoing",
        "target": [{"type": "BusinessProfileLocation", "id": organization["organizationId"]}],
        "inviteContext": {
            "invitedBy": invited_by,
            "notes": lead.notes if lead.source == Lead.Source.SELLER else None,
            "assistanceRequestCode": assistance
            if lead.receiver == Lead.Receiver.MICROSOFT
            else None,
        },
        "eTag": lead_etag(lead, registration),
        "links": _links(request, rid, fields.get("engagementId")),
        **fields,
        **_registrations(registration),
    }
    return _clean(body)


def render(kind: str, row, *, request, select: list[str] | None = None) -> dict:
    body = (
        render_opportunity(row, request=request)
        if kind == OPPORTUNITY
        else render_lead(row, request=request)
    )
    if select:
        body = {name: body[name] for name in select if name in body}
    return body
