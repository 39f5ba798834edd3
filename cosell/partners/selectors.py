"""Reads about partners and their people; tenancy is decided here."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import Membership, Partner


def partner_for_user(*, user) -> Partner | None:
    return user.partner if user.is_authenticated else None


def membership_list(*, user) -> QuerySet[Membership]:
    """Members of the user's own partner (none for anyone else)."""
    partner = partner_for_user(user=user)
    if partner is None:
        return Membership.objects.none()
    return (
        Membership.objects.filter(partner=partner)
        .select_related("user", "invited_by")
        .order_by("user__username")
    )


def membership_get(*, user, membership_id: int) -> Membership:
    """One membership of the user's own partner, else 404."""
    return get_object_or_404(membership_list(user=user), pk=membership_id)


def partner_list(*, user) -> QuerySet[Partner]:
    if user.is_authenticated and user.is_staff:
        return Partner.objects.all()
    partner = partner_for_user(user=user)
    if partner is None:
        return Partner.objects.none()
    return Partner.objects.filter(pk=partner.pk)


def partner_admins(*, partner: Partner) -> QuerySet[Membership]:
    """The partner's admins, who add people to deals' teams and manage members."""
    return (
        Membership.objects.filter(partner=partner, role=Membership.Role.ADMIN)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )
