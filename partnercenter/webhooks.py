"""The portal's events as Partner Center's referral events, for endpoints in that format.

Each outbox row is one partner's view of one change (``opportunities.events``,
``registrations.services``); it becomes at most one Partner Center event for that partner:

| Cosell event | to whom | Partner Center event, ``ResourceUri`` |
|---|---|---|
| ``opportunity.created`` | the owner | ``referral-created``, the owner's referral |
| ``opportunity.updated``, ``opportunity.closed`` | the owner | ``referral-updated``, the owner's referral |
| the same three | an invited partner | ``related-referral-created`` / ``-updated``, the owner's referral |
| ``lead.created`` | the lead's receiver | ``referral-created``, the lead's referral |
| ``lead.accepted``, ``.declined``, ``.expired``, ``.withdrawn`` | the receiver | ``referral-updated``, the lead's referral |
| ``lead.*`` | the lead's sender | ``related-referral-created`` / ``-updated``, the lead's referral (Microsoft's side, an invited partner's) |
| ``deal_registration.*`` | the owner | ``referral-updated``, the owner's referral (its ``registrations``) |

Only ids go into the payload, taken from the data the recipient was allowed to see; what the
``ResourceUri`` then shows is the Referrals API's business, under the same access policy.
"""  # noqa: E501

from cosell.webhooks import formats
from cosell.webhooks.models import OutboxEvent, PartnerCenterEvent

from . import ids

OPPORTUNITY_EVENTS = ("opportunity.created", "opportunity.updated", "opportunity.closed")
LEAD_EVENTS = ("lead.created", "lead.accepted", "lead.declined", "lead.expired", "lead.withdrawn")
REGISTRATION_EVENTS = ("deal_registration.created", "deal_registration.updated")


_NAMES = {
    (True, True): PartnerCenterEvent.REFERRAL_CREATED,
    (True, False): PartnerCenterEvent.REFERRAL_UPDATED,
    (False, True): PartnerCenterEvent.RELATED_REFERRAL_CREATED,
    (False, False): PartnerCenterEvent.RELATED_REFERRAL_UPDATED,
}


def _name(*, own: bool, created: bool) -> str:
    """The recipient's own referral, or a related one (another party's in the engagement)."""
    return _NAMES[own, created]


def _notification(name: str, referral_id: str) -> formats.Notification:
    return formats.Notification(name=str(name), resource_uri=ids.referral_uri(referral_id))


def opportunity_notification(event: OutboxEvent) -> formats.Notification | None:
    data = event.data
    if data.get("id") is None:
        return None
    own = data.get("partner_id") == event.partner_id
    created = event.type == "opportunity.created"
    return _notification(_name(own=own, created=created), ids.opportunity_referral_id(data["id"]))


def lead_notification(event: OutboxEvent) -> formats.Notification | None:
    data = event.data
    if data.get("id") is None:
        return None
    own = data.get("receiver_partner_id") == event.partner_id
    created = event.type == "lead.created"
    return _notification(_name(own=own, created=created), ids.lead_referral_id(data["id"]))


def registration_notification(event: OutboxEvent) -> formats.Notification | None:
    opportunity_id = event.data.get("opportunity_id")
    if opportunity_id is None:
        return None
    return _notification(
        PartnerCenterEvent.REFERRAL_UPDATED, ids.opportunity_referral_id(opportunity_id)
    )


def register() -> None:
    formats.register_partner_center(OPPORTUNITY_EVENTS, opportunity_notification)
    formats.register_partner_center(LEAD_EVENTS, lead_notification)
    formats.register_partner_center(REGISTRATION_EVENTS, registration_notification)
