"""Writes about leads: one function per state change (see STYLE.md; the lock order is in
``opportunities.deals.services``)."""

from opportunities.leads.jobs import lead_archive_marketplace_due, lead_expire_due, lead_remind_due
from opportunities.leads.services.answer import (
    lead_accept,
    lead_decline,
    lead_reassign,
    lead_withdraw,
)
from opportunities.leads.services.send import (
    marketplace_lead_create,
    route_to_microsoft,
    seller_lead_send,
)

__all__ = [
    "lead_accept",
    "lead_archive_marketplace_due",
    "lead_decline",
    "lead_expire_due",
    "lead_reassign",
    "lead_remind_due",
    "lead_withdraw",
    "marketplace_lead_create",
    "route_to_microsoft",
    "seller_lead_send",
]
