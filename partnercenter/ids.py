"""Referral ids: how the portal's opportunities and leads are named as Partner Center referrals.

Partner Center keeps one referral per party of an engagement. In the portal:

- the engagement is the opportunity: ``engagementId`` is ``str(opportunity.pk)``;
- the owner's referral is the opportunity itself: its id is ``"opportunity-"`` and the
  opportunity's pk ("opportunity-42");
- every lead is the referral of its receiving party (Microsoft's side of a deal shared with
  Microsoft, an invited partner's referral, a partner's incoming referral from a Microsoft seller
  or the marketplace): its id is ``"lead-"`` and the lead's pk ("lead-7").

A lead's id does not contain its opportunity's: a lead from a Microsoft seller or the
marketplace has no opportunity until it is accepted, and a referral's id never changes. The
prefix keeps the two kinds apart (``parse_referral_id``). Every part of the portal that names a
referral (the Referrals API, the bulk CSV, the webhooks' ``ResourceUri``) goes through these
functions, so the scheme lives here only.
"""

from django.conf import settings

OPPORTUNITY_PREFIX = "opportunity-"
LEAD_PREFIX = "lead-"
REFERRALS_PATH = "/v1.0/engagements/referrals/"


def opportunity_referral_id(opportunity_id: int) -> str:
    return f"{OPPORTUNITY_PREFIX}{int(opportunity_id)}"


def lead_referral_id(lead_id: int) -> str:
    return f"{LEAD_PREFIX}{int(lead_id)}"


def referral_id_for_opportunity(opportunity) -> str:
    """The owner's referral of ``opportunity``."""
    return opportunity_referral_id(opportunity.pk)


def referral_id_for_lead(lead) -> str:
    """The receiving party's referral of ``lead``."""
    return lead_referral_id(lead.pk)


def engagement_id_for_opportunity(opportunity) -> str:
    return str(opportunity.pk)


def parse_referral_id(referral_id: str) -> tuple[str, int] | None:
    """``("opportunity", pk)`` or ``("lead", pk)``; None for anything that is not one of ours."""
    value = str(referral_id or "")
    if value.startswith(OPPORTUNITY_PREFIX):
        kind, value = "opportunity", value[len(OPPORTUNITY_PREFIX) :]
    elif value.startswith(LEAD_PREFIX):
        kind, value = "lead", value[len(LEAD_PREFIX) :]
    else:
        return None
    if not value.isascii() or not value.isdigit() or value.startswith("0") or len(value) > 18:
        return None
    return kind, int(value)


def referral_uri(referral_id: str) -> str:
    """The referral's address in the Referrals API, as webhooks and links carry it."""
    return f"{settings.COSELL_BASE_URL}{REFERRALS_PATH}{referral_id}"
