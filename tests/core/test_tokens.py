"""API tokens in the browser: create (shown once, stored hashed), see, revoke; own tokens only."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cosell.core import clock
from cosell.core.models import ApiToken, AuditEvent, hash_token
from cosell.core.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def create(client, name="CRM sync"):
    return client.post(reverse("api_tokens"), {"name": name}, follow=True)


def raw_token(page: str) -> str:
    return re.search(r'id="new-token">(csl_[^<]+)<', page).group(1)


def test_a_new_token_shows_once_and_is_stored_hashed(partner_user, client_for):
    client = client_for(partner_user)
    response = create(client)
    assert response.status_code == 200
    page = response.content.decode()
    raw = raw_token(page)
    token = ApiToken.objects.get(user=partner_user)
    assert token.name == "CRM sync"
    assert token.key_hash == hash_token(raw)
    assert raw not in {token.key_hash, token.prefix}
    assert raw.startswith(token.prefix)
    assert token.prefix in page

    again = client.get(reverse("api_tokens")).content.decode()
    assert raw not in again
    assert "CRM sync" in again
    assert AuditEvent.objects.filter(verb="created", actor=partner_user).count() == 1


def test_the_token_works_and_its_last_use_is_shown(partner_user, client_for):
    client = client_for(partner_user)
    raw = raw_token(create(client).content.decode())
    assert "never" in client.get(reverse("api_tokens")).content.decode()

    me = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {raw}")
    assert me.status_code == 200
    token = ApiToken.objects.get()
    assert token.last_used_at is not None
    page = client.get(reverse("api_tokens")).content.decode()
    assert "never" not in page


def test_revoking_stops_the_token(partner_user, client_for):
    client = client_for(partner_user)
    raw = raw_token(create(client).content.decode())
    token = ApiToken.objects.get()
    response = client.post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 401
    assert "revoked" in client.get(reverse("api_tokens")).content.decode()
    assert AuditEvent.objects.filter(verb="revoked", actor=partner_user).count() == 1


def test_revoking_twice_changes_nothing(partner_user):
    token, _ = api_token_create(user=partner_user, name="x", now=clock.now())
    first = api_token_revoke(token_id=token.pk, actor=partner_user, now=clock.now())
    second = api_token_revoke(token_id=token.pk, actor=partner_user, now=clock.now())
    assert first.revoked_at == second.revoked_at
    assert AuditEvent.objects.filter(verb="revoked").count() == 1


def test_someone_elses_token_is_404_and_not_listed(partner_admin, other_partner_user, client_for):
    token, _ = api_token_create(user=other_partner_user, name="Theirs", now=clock.now())
    client = client_for(partner_admin)
    assert "Theirs" not in client.get(reverse("api_tokens")).content.decode()
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_name_is_required(partner_user, client_for):
    response = client_for(partner_user).post(reverse("api_tokens"), {"name": "  "})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_revoke_needs_post(partner_user, client_for):
    token, _ = api_token_create(user=partner_user, name="x", now=clock.now())
    assert (
        client_for(partner_user).get(reverse("api_token_revoke", args=[token.pk])).status_code
        == 405
    )


@pytest.mark.parametrize("persona", ["partner_admin", "seller", "admin_user"])
def test_everyone_signed_in_manages_their_own_tokens(persona, request, client_for):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    page = client.get(reverse("api_tokens")).content.decode()
    assert reverse("api_tokens") in page  # the user menu links here
    create(client, name="mine")
    assert ApiToken.objects.get().user == user


def test_anonymous_is_sent_to_login(db):
    response = Client().get(reverse("api_tokens"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
