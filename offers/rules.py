"""Who may do what with offers (views, the API and the admin ask these)."""

import rules

from cosell.partners.rules import admin_of_partner, belongs_to_partner, is_seller, is_staff

from .models import CO_SELL_READY_STATUSES


def _partner(obj):
    # Rules take an offer or a partner.
    return getattr(obj, "partner", obj)


@rules.predicate
def member_of_offer_partner(user, obj) -> bool:
    return obj is not None and belongs_to_partner(user, _partner(obj))


@rules.predicate
def admin_of_offer_partner(user, obj) -> bool:
    return obj is not None and admin_of_partner(user, _partner(obj))


@rules.predicate
def offer_is_co_sell_ready(user, obj) -> bool:
    return getattr(obj, "co_sell_status", None) in CO_SELL_READY_STATUSES


# Everyone at the partner sees its offers; sellers see co-sell-ready offers, read-only.
rules.add_perm(
    "offers.see_offer", member_of_offer_partner | is_staff | (is_seller & offer_is_co_sell_ready)
)
# The partner's admins manage offers, documents and contacts.
rules.add_perm("offers.manage_offer", admin_of_offer_partner | is_staff)
# Documents are for the offer's partner, the portal's admins, and Microsoft sellers once the
# offer is co-sell ready (the status that exposes the solution, and its pitch deck, to them).
rules.add_perm(
    "offers.download_document",
    member_of_offer_partner | is_staff | (is_seller & offer_is_co_sell_ready),
)
# Facts Microsoft measures and the technical validation result: the portal's administrators.
rules.add_perm("offers.set_technical_validation", is_staff)
rules.add_perm("offers.set_measured_facts", is_staff)
# The partner's admins submit an offer for technical validation (staff may too).
rules.add_perm("offers.submit_technical_validation", admin_of_offer_partner | is_staff)
# The offer's history (who changed what): its partner and the portal's admins.
rules.add_perm("offers.see_history", member_of_offer_partner | is_staff)
