"""Writes about deals (opportunities): one function per state change (see STYLE.md).

Lock order
----------
Every service in the portal that locks more than one row (``select_for_update``) takes the locks
in this order, so two transactions never wait for each other in a circle:

    1. partner       (``Partner``: creating a deal, webhook endpoints, roles of members)
    2. opportunity   (``Opportunity``)
    3. lead          (``Lead``; several leads in primary-key order)
    4. delivery      (``WebhookDelivery``, ``PendingEffect``: claimed and committed on their own)

A service that needs a higher row after a lower one re-reads it instead of locking backwards:
``lead_accept`` reads its lead's opportunity id without a lock, locks the opportunity, then the
lead (``opportunity_close`` locks the opportunity, then its leads); ``member_set_role`` and
``member_remove`` lock the partner before the membership, so two admins demoting each other
run one after the other and the last-admin rule holds. Jobs lock leads with ``SKIP LOCKED`` and
re-check the state, so a job racing a person's click gives one outcome. No lock is held across
a network call: deliveries and side effects are claimed, committed, then sent.
"""

from opportunities.deals.services.changes import (
    opportunity_close,
    opportunity_invite,
    opportunity_set_stage,
    opportunity_team_add,
    opportunity_update,
    opportunity_upgrade,
)
from opportunities.deals.services.common import DuplicateOpportunity
from opportunities.deals.services.create import opportunity_create

__all__ = [
    "DuplicateOpportunity",
    "opportunity_close",
    "opportunity_create",
    "opportunity_invite",
    "opportunity_set_stage",
    "opportunity_team_add",
    "opportunity_update",
    "opportunity_upgrade",
]
