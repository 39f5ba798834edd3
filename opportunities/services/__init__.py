"""Writes about opportunities and leads: one function per state change (see STYLE.md)."""

from .jobs import lead_archive_marketplace_due, lead_expire_due, lead_remind_due
from .leads import (
    lead_accept,
    lead_decline,
    lead_reassign,
    lead_withdraw,
    marketplace_lead_create,
    route_to_microsoft,
    seller_lead_send,
)
from .opportunities import (
    DuplicateOpportunity,
    opportunity_close,
    opportunity_create,
    opportunity_invite,
    opportunity_set_stage,
    opportunity_team_add,
    opportunity_update,
    opportunity_upgrade,
)

__all__ = [
    "DuplicateOpportunity",
    "lead_accept",
    "lead_archive_marketplace_due",
    "lead_decline",
    "lead_expire_due",
    "lead_reassign",
    "lead_remind_due",
    "lead_withdraw",
    "marketplace_lead_create",
    "opportunity_close",
    "opportunity_create",
    "opportunity_invite",
    "opportunity_set_stage",
    "opportunity_team_add",
    "opportunity_update",
    "opportunity_upgrade",
    "route_to_microsoft",
    "seller_lead_send",
]
