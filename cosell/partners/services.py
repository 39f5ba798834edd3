"""Writes about partners and their people."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from cosell.core import audit, effects
from cosell.core.errors import Conflict, ValidationFailed
from cosell.core.events import partner_figures_changed

from . import tasks
from .models import Membership, Partner

User = get_user_model()

FIGURE_FIELDS = (
    "partner_id",
    "business_profile_complete",
    "solutions_partner_designation",
    "isv_connect_tier",
    "sa_vetted",
    "acr_trailing_12m_usd",
)


def member_invite(
    *,
    partner: Partner,
    inviter,
    email: str,
    first_name: str = "",
    last_name: str = "",
    role: str = Membership.Role.MEMBER,
    now: datetime,
) -> Membership:
    """Create a person in ``partner`` and mail them a link to choose a password."""
    email = email.strip().lower()
    with transaction.atomic():
        if (
            User.objects.filter(username__iexact=email).exists()
            or User.objects.filter(email__iexact=email).exists()
        ):
            raise ValidationFailed(
                {"email": [_("Someone with this email address already exists.")]}
            )
        user = User(username=email, email=email, first_name=first_name, last_name=last_name)
        user.set_unusable_password()
        user.save()
        membership = Membership.objects.create(
            user=user, partner=partner, role=role, invited_by=inviter
        )
        audit.record(
            partner,
            "member_invited",
            to=role,
            actor=inviter,
            at=now,
            extra={"user_id": user.pk, "email": email},
        )
        effects.queue(tasks.member_send_invitation, membership.pk)
    return membership


def _other_admins(membership: Membership):
    return Membership.objects.filter(
        partner_id=membership.partner_id, role=Membership.Role.ADMIN, user__is_active=True
    ).exclude(pk=membership.pk)


def _lock_membership(membership_id: int) -> Membership:
    """Lock the partner, then the membership (the lock order in ``opportunities.deals.services``):
    changes to one partner's people run one at a time, so the admins counted are the admins
    there are, and two admins demoting or removing each other cannot both succeed."""
    partner_id = Membership.objects.values_list("partner_id", flat=True).get(pk=membership_id)
    list(Partner.objects.select_for_update().filter(pk=partner_id).values("pk"))
    return Membership.objects.select_for_update().get(pk=membership_id)


def member_set_role(*, membership_id: int, role: str, actor, now: datetime) -> Membership:
    """Change a member's role; a partner always keeps at least one admin.

    Races: see ``_lock_membership``."""
    if role not in Membership.Role.values:
        raise ValidationFailed({"role": [_("Choose admin or member.")]})
    with transaction.atomic():
        membership = _lock_membership(membership_id)
        if membership.role == role:
            return membership
        if membership.role == Membership.Role.ADMIN and not _other_admins(membership).exists():
            raise Conflict(_("A partner needs at least one admin."))
        old = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit.record(
            membership.partner,
            "member_role_changed",
            frm=old,
            to=role,
            actor=actor,
            at=now,
            extra={"user_id": membership.user_id},
        )
    return membership


def member_remove(*, membership_id: int, actor, now: datetime) -> None:
    """Take a person out of their partner: the membership goes and the account is deactivated.

    Nobody removes themselves, and the last admin stays.
    """
    with transaction.atomic():
        _lock_membership(membership_id)
        membership = Membership.objects.select_related("user", "partner").get(pk=membership_id)
        if membership.user_id == actor.pk:
            raise Conflict(_("You cannot remove yourself."))
        if membership.role == Membership.Role.ADMIN and not _other_admins(membership).exists():
            raise Conflict(_("A partner needs at least one admin."))
        user, partner = membership.user, membership.partner
        membership.delete()
        user.is_active = False
        user.save(update_fields=["is_active"])
        user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=now)
        audit.record(
            partner,
            "member_removed",
            frm=membership.role,
            actor=actor,
            at=now,
            extra={"user_id": user.pk, "username": user.username},
        )


def partner_update_figures(
    *, partner_id: int, actor, now: datetime, changes: dict | None = None, **more
) -> Partner:
    """Set the figures co-sell status depends on (admins only); offers re-evaluate after commit.

    ``partner_id`` is the partner's primary key; the PartnerID figure (also called
    ``partner_id``) can only be given inside ``changes``, which the API and the admin use."""
    changes = {**(changes or {}), **more}
    unknown = set(changes) - set(FIGURE_FIELDS)
    if unknown:
        raise ValidationFailed(
            {name: [_("This field cannot be changed here.")] for name in unknown}
        )
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(pk=partner_id)
        before = {name: getattr(partner, name) for name in changes}
        for name, value in changes.items():
            setattr(partner, name, value)
        partner.full_clean(exclude=["country"] if not partner.country else None)
        changed = [name for name in changes if before[name] != getattr(partner, name)]
        if not changed:
            return partner
        partner.save(update_fields=changed)
        audit.record(
            partner,
            "figures_changed",
            actor=actor,
            at=now,
            extra={
                name: {"from": str(before[name]), "to": str(getattr(partner, name))}
                for name in changed
            },
        )
        # In the transaction: receivers record their follow-up work with the change.
        partner_figures_changed.send(sender=Partner, partner_id=partner.pk)
    return partner


def user_set_language(*, user, language: str, chosen: bool = False) -> bool:
    """Remember the language a person's mail is written in (``chosen``: picked with the
    switcher, so their pages open in it at every login); True when it changed."""
    from .mail import LANGUAGE_CODES

    if language not in LANGUAGE_CODES:
        return False
    chosen = chosen or user.language_chosen
    if user.language == language and user.language_chosen == chosen:
        return False
    User.objects.filter(pk=user.pk).update(language=language, language_chosen=chosen)
    user.language, user.language_chosen = language, chosen
    return True
