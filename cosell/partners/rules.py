"""Who may do what: decided here, used by views, the API and the admin alike."""

import rules
from django.core.exceptions import PermissionDenied

from .models import Membership, Role


@rules.predicate
def is_staff(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


@rules.predicate
def is_partner_person(user) -> bool:
    return bool(user.is_authenticated and user.membership_or_none is not None)


@rules.predicate
def is_partner_admin(user) -> bool:
    membership = user.membership_or_none if user.is_authenticated else None
    return membership is not None and membership.role == Membership.Role.ADMIN


@rules.predicate
def is_seller(user) -> bool:
    return bool(user.is_authenticated and user.seller_or_none is not None)


@rules.predicate
def belongs_to_partner(user, partner) -> bool:
    membership = user.membership_or_none if user.is_authenticated else None
    return membership is not None and partner is not None and membership.partner_id == partner.pk


@rules.predicate
def admin_of_partner(user, partner) -> bool:
    return bool(is_partner_admin(user) and belongs_to_partner(user, partner))


# Partners and their people
rules.add_perm("partners.view_own_partner", is_partner_person)
rules.add_perm("partners.view_members", belongs_to_partner | is_staff)
rules.add_perm("partners.manage_members", admin_of_partner | is_staff)
rules.add_perm("partners.set_partner_figures", is_staff)
rules.add_perm("partners.seller_home", is_seller)


class StaffBackend:
    """Staff are the portal's admins: every model permission of the admin site."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user, perm, obj=None) -> bool:
        return obj is None and is_staff(user) and "." in perm

    def has_module_perms(self, user, app_label) -> bool:
        return is_staff(user)


def require_partner_person(user):
    """The partner of a partner admin or user (as their role says: staff first); anyone
    else: 403."""
    if user.role not in (Role.PARTNER_ADMIN, Role.PARTNER_USER):
        raise PermissionDenied
    return user.partner


def require_seller(user):
    """The seller of a Microsoft seller (as their role says); anyone else: 403."""
    if user.role != Role.SELLER:
        raise PermissionDenied
    return user.seller
