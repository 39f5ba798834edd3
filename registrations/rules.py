"""Who may do what with deal registrations: the one access policy of this app.

- The partner that owns a deal registers it: its admins, or its users on the deal's team.
  Invited partners and Microsoft sellers neither see nor change its registration.
- Reviewers are the portal's administrators (staff): they pass, fail or ask for action, and
  answer exception requests. A partner never reviews its own registration.
- A Microsoft seller on the deal's team (or staff) confirms whether the customer is a
  Microsoft-managed account.
"""

import rules
from django.db.models import Q

from cosell.partners.models import Membership
from cosell.partners.rules import is_staff
from opportunities.rules import on_team


def is_owner_side(user, opportunity) -> bool:
    """A person of the owning partner who sees the deal: an admin, or a user on its team."""
    if not user.is_authenticated or user.is_staff:
        return False
    membership = user.membership_or_none
    if membership is None or membership.partner_id != opportunity.partner_id:
        return False
    if membership.role == Membership.Role.ADMIN:
        return True
    return on_team(user, opportunity)


@rules.predicate
def can_register(user, opportunity) -> bool:
    return is_owner_side(user, opportunity)


@rules.predicate
def can_view(user, opportunity) -> bool:
    return bool(user.is_authenticated and (user.is_staff or is_owner_side(user, opportunity)))


@rules.predicate
def can_confirm_customer_account(user, opportunity) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return user.seller_or_none is not None and on_team(user, opportunity)


def registration_visibility(user) -> Q | None:
    """The filter of the registrations (and exception requests: anything with an
    ``opportunity``) ``user`` may see; None means all (staff)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_staff:
        return None
    membership = user.membership_or_none
    if membership is None:
        return Q(pk__in=[])
    mine = Q(opportunity__partner_id=membership.partner_id)
    if membership.role == Membership.Role.ADMIN:
        return mine
    return mine & Q(opportunity__team__user=user)


rules.add_perm("registrations.register", can_register)
rules.add_perm("registrations.view", can_view)
rules.add_perm("registrations.review", is_staff)
rules.add_perm("registrations.confirm_customer_account", can_confirm_customer_account)
