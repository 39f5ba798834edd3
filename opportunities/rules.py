"""Opportunity permissions that are not about one opportunity (those live in services.common)."""

import rules

from cosell.partners.rules import is_staff

rules.add_perm("opportunities.record_marketplace_lead", is_staff)
