import re

import pytest
from django.core import mail
from django.urls import reverse

from cosell.core.models import AuditEvent
from cosell.partners.models import Membership

pytestmark = pytest.mark.django_db


def test_partner_admin_sees_only_their_own_members(
    partner_admin, partner_user, other_partner_admin, client_for
):
    page = client_for(partner_admin).get(reverse("members")).content.decode()
    assert "uma@example.com" in page
    assert "oscar@example.com" not in page


def test_invite_creates_the_member_and_mails_a_password_link(
    partner_admin, client_for, django_capture_on_commit_callbacks
):
    client = client_for(partner_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("member_invite"),
            {"email": "New.Person@Contoso.example", "first_name": "New", "role": "member"},
        )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new.person@contoso.example")
    assert membership.partner == partner_admin.partner
    assert not membership.user.has_usable_password()
    assert len(mail.outbox) == 1
    assert "Contoso Analytics" in mail.outbox[0].subject
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    assert client.get(link, follow=True).status_code == 200
    assert AuditEvent.objects.filter(verb="member_invited").count() == 1


def test_invite_refuses_an_existing_address(partner_admin, other_partner_user, client_for):
    response = client_for(partner_admin).post(
        reverse("member_invite"), {"email": other_partner_user.email, "role": "member"}
    )
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert not Membership.objects.filter(
        partner=partner_admin.partner, user=other_partner_user
    ).exists()


def test_invite_with_bad_input_shows_form_errors(partner_admin, client_for):
    response = client_for(partner_admin).post(
        reverse("member_invite"), {"email": "not-an-address", "role": "owner"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter a valid email address" in body
    assert "Select a valid choice" in body


def test_partner_user_cannot_invite_or_remove(partner_admin, partner_user, client_for):
    client = client_for(partner_user)
    assert client.get(reverse("member_invite")).status_code == 403
    membership = partner_admin.membership
    assert client.post(reverse("member_remove", args=[membership.pk])).status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_admin_removes_a_member_who_can_no_longer_log_in(
    partner_admin, partner_user, client_for, password
):
    response = client_for(partner_admin).post(
        reverse("member_remove", args=[partner_user.membership.pk])
    )
    assert response.status_code == 302
    partner_user.refresh_from_db()
    assert not partner_user.is_active
    assert not Membership.objects.filter(user=partner_user).exists()
    event = AuditEvent.objects.get(verb="member_removed")
    assert event.actor == partner_admin


def test_another_partners_member_cannot_be_touched(
    partner_admin, other_partner_admin, other_partner_user, client_for
):
    client = client_for(partner_admin)
    target = other_partner_user.membership
    assert client.post(reverse("member_remove", args=[target.pk])).status_code == 404
    assert (
        client.post(reverse("member_set_role", args=[target.pk]), {"role": "admin"}).status_code
        == 404
    )
    target.refresh_from_db()
    assert target.role == Membership.Role.MEMBER
    other_partner_user.refresh_from_db()
    assert other_partner_user.is_active


def test_the_last_admin_stays(partner_admin, partner_user, client_for):
    partner_user.membership.role = Membership.Role.ADMIN
    partner_user.membership.save()
    client = client_for(partner_user)
    # Removing oneself is refused; demoting the only other admin is allowed once.
    client.post(reverse("member_remove", args=[partner_user.membership.pk]))
    assert Membership.objects.filter(user=partner_user).exists()
    client.post(reverse("member_set_role", args=[partner_admin.membership.pk]), {"role": "member"})
    partner_admin.membership.refresh_from_db()
    assert partner_admin.membership.role == Membership.Role.MEMBER
    # Now partner_user is the last admin: an admin cannot demote themselves below that.
    response = client_for(partner_user).post(
        reverse("member_set_role", args=[partner_user.membership.pk]),
        {"role": "member"},
        follow=True,
    )
    assert "at least one admin" in response.content.decode()
    partner_user.membership.refresh_from_db()
    assert partner_user.membership.role == Membership.Role.ADMIN


def test_seller_and_admin_have_no_members_page(seller, client_for):
    assert client_for(seller).get(reverse("members")).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("members"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
