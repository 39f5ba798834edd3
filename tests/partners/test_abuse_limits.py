"""Abuse limits that hold (issue 11, point 3), each tried by the persona who would try it:
an attacker guessing or spraying passwords, rotating X-Forwarded-For, flooding password
resets, and the person whose password leaked."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from cosell.core import audit
from cosell.core.models import ApiToken
from cosell.core.services import MAX_ACTIVE_TOKENS, api_token_create
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db


def login(username, password, ip):
    return Client().post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def token(username, password, ip="10.1.1.1", **extra):
    return Client().post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=ip,
        **extra,
    )


# --- login lock-outs ------------------------------------------------------------------------


def test_one_account_guessed_from_many_addresses_is_locked(partner_admin, password):
    """20 wrong passwords for one account from 5 addresses (4 each: under the pair limit)."""
    for attempt in range(10):
        login("ada", "wrong", ip=f"10.2.0.{attempt % 5}")
    locked = login("ada", password, ip="10.2.0.99")
    assert locked.status_code == 429
    # Another account from the same addresses is not locked by it.
    UserFactory(username="bea")
    assert login("bea", password, ip="10.2.0.1").status_code == 302


def test_one_address_spraying_many_accounts_is_locked(partner_admin, password):
    """40 wrong passwords for 10 accounts from one address (4 each: under the pair limit)."""
    for index in range(20):
        login(f"user{index % 10}", "wrong", ip="10.3.0.1")
    assert login("ada", password, ip="10.3.0.1").status_code == 429
    # The same account from another address is not locked by it.
    assert login("ada", password, ip="10.3.0.2").status_code == 302


def test_rotating_x_forwarded_for_does_not_escape_the_address_lock_out(partner_admin, password):
    for index in range(20):
        Client().post(
            reverse("login"),
            {"username": f"user{index % 10}", "password": "wrong"},
            REMOTE_ADDR="10.3.1.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{index}",
        )
    locked = Client().post(
        reverse("login"),
        {"username": "ada", "password": password},
        REMOTE_ADDR="10.3.1.1",
        HTTP_X_FORWARDED_FOR="198.51.100.250",
    )
    assert locked.status_code == 429


def test_each_limit_has_its_own_cool_off(partner_admin, password):
    for index in range(20):
        login(f"user{index % 10}", "wrong", ip="10.4.0.1")
    assert login("ada", password, ip="10.4.0.1").status_code == 429
    # 16 minutes later: past the pair cool-off (15), within the address cool-off (30).
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get(username="user0").attempt_time
        - timedelta(minutes=16)
    )
    assert login("ada", password, ip="10.4.0.1").status_code == 429
    AccessAttempt.objects.filter(ip_address="10.4.0.1").update(
        attempt_time=AccessAttempt.objects.get(username="user0").attempt_time
        - timedelta(minutes=15)
    )
    assert login("ada", password, ip="10.4.0.1").status_code == 302


@override_settings(COSELL_LOGIN_LIMITS=[(5, 15), (3, 30), (10, 30)])
def test_limits_come_from_settings(partner_admin, password):
    for index in range(3):
        login(f"user{index}", "wrong", ip="10.5.0.1")
    assert login("ada", password, ip="10.5.0.1").status_code == 429


def test_the_token_endpoint_is_locked_per_account_across_addresses(partner_admin, password):
    for attempt in range(10):
        token("ada", "wrong", ip=f"10.6.0.{attempt}")
    response = token("ada", password, ip="10.6.0.200")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


# --- throttles key on the client address -----------------------------------------------------


def test_rotating_x_forwarded_for_does_not_escape_the_token_throttle(db):
    """No proxy configured: the header is the client's own and is ignored. (A body without a
    password never reaches the login check, so only the throttle answers.)"""
    codes = [
        Client()
        .post(
            "/api/v1/auth/token/",
            {"username": "x"},
            content_type="application/json",
            REMOTE_ADDR="10.7.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
        .status_code
        for n in range(21)
    ]
    assert codes[:20] == [400] * 20
    assert codes[20] == 429


def test_behind_one_proxy_the_forwarded_address_is_the_client(db, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    codes = {
        Client()
        .post(
            "/api/v1/auth/token/",
            {"username": "x"},
            content_type="application/json",
            REMOTE_ADDR="10.7.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
        .status_code
        for n in range(21)
    }
    assert codes == {400}


# --- password reset ------------------------------------------------------------------------


def reset(email, ip="10.8.0.1"):
    # The test's transaction never commits: run what is queued on commit, as a commit would.
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return Client().post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


def test_password_reset_mail_goes_through_the_queue_after_commit(
    partner_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = Client().post(reverse("password_reset"), {"email": partner_admin.email})
    assert response.status_code == 302
    assert mail.outbox == []  # nothing sent inside the request
    assert len(callbacks) == 1
    callbacks[0]()  # the queued task (eager in tests)
    assert len(mail.outbox) == 1
    assert re.search(r"/accounts/reset/\S+/\S+/", mail.outbox[0].body)


def test_password_reset_is_limited_per_account(partner_admin):
    for n in range(3):
        assert reset(partner_admin.email, ip=f"10.8.1.{n}").status_code == 302
    flooded = reset(partner_admin.email, ip="10.8.1.50")
    assert flooded.status_code == 429
    assert len(mail.outbox) == 3
    # Unknown addresses are counted the same way: the answer says nothing about who exists.
    for n in range(3):
        assert reset("nobody@example.com", ip=f"10.8.2.{n}").status_code == 302
    assert reset("nobody@example.com", ip="10.8.2.50").status_code == 429


def test_password_reset_is_limited_per_address(db):
    codes = [reset(f"person{n}@example.com", ip="10.8.3.1").status_code for n in range(11)]
    assert codes[:10] == [302] * 10 and codes[10] == 429
    assert reset("person0@example.com", ip="10.8.3.2").status_code == 302


# --- API tokens ----------------------------------------------------------------------------


def test_the_token_endpoint_goes_through_the_token_service(partner_admin, password):
    response = token("ada", password)
    assert response.status_code == 201
    created = ApiToken.objects.get(user=partner_admin)
    assert [event.verb for event in audit.history(created)] == ["created"]


def test_the_token_endpoint_respects_the_cap(partner_admin, password):
    for n in range(MAX_ACTIVE_TOKENS):
        ApiToken.objects.create(
            user=partner_admin, name=f"t{n}", key_hash=f"hash-{n}", prefix=f"p{n}"
        )
    response = token("ada", password)
    assert response.status_code == 400
    assert ApiToken.objects.active().filter(user=partner_admin).count() == MAX_ACTIVE_TOKENS


def _api_works(raw) -> int:
    return Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {raw}").status_code


def test_changing_the_password_revokes_the_api_tokens(partner_user, password, client_for):
    from cosell.core import clock

    _token, raw = api_token_create(user=partner_user, name="laptop", now=clock.now())
    assert _api_works(raw) == 200
    response = client_for(partner_user).post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": "n3w-secret-xyz",
            "new_password2": "n3w-secret-xyz",
        },
    )
    assert response.status_code == 302
    assert _api_works(raw) == 401
    assert "password_changed" in [event.reason for event in audit.history(_token)]


def test_resetting_the_password_revokes_the_api_tokens(partner_admin):
    from cosell.core import clock

    _token, raw = api_token_create(user=partner_admin, name="ci", now=clock.now())
    client = Client()
    reset(partner_admin.email)
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-much-better-secret", "new_password2": "a-much-better-secret"},
    )
    assert response.status_code == 302
    assert _api_works(raw) == 401


def test_saving_a_person_without_a_new_password_keeps_their_tokens(partner_admin):
    from cosell.core import clock

    _token, raw = api_token_create(user=partner_admin, name="ci", now=clock.now())
    partner_admin.first_name = "Ada"
    partner_admin.save()
    assert _api_works(raw) == 200


# --- uploads over the cap: refused from Content-Length, body unread --------------------------


@pytest.mark.parametrize(
    ("path", "declared_mb"),
    [
        ("/api/v1/offers/{offer}/documents/", 21),
        ("/api/v1/offers/{offer}/contacts/import/", 2),
        ("/api/v1/opportunities/import/", 6),
        ("/offers/{offer}/documents/", 21),
        ("/offers/{offer}/contacts/import/", 2),
        ("/opportunities/import/", 6),
    ],
)
def test_an_upload_over_the_cap_is_refused_before_its_body_is_read(
    client_for, partner_admin, partner, path, declared_mb
):
    """The partner admin's upload declares more than the cap; the test client's body would
    raise if anything read past the few bytes actually sent."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.offers.factories import OfferFactory

    offer = OfferFactory(partner=partner)
    response = client_for(partner_admin).post(
        path.format(offer=offer.pk),
        {"file": SimpleUploadedFile("big.pdf", b"%PDF-1.4 tiny", "application/pdf")},
        CONTENT_LENGTH=str(declared_mb * 1024 * 1024),
    )
    assert response.status_code == 400
    if path.startswith("/api/"):
        body = response.json()
        assert body["code"] == "too_large" and "file" in body["errors"]


def test_a_json_body_over_the_cap_is_refused_before_it_is_read(client_for, partner_admin):
    response = client_for(partner_admin).post(
        "/api/v1/opportunities/",
        '{"name": "x"}',
        content_type="application/json",
        CONTENT_LENGTH=str(6 * 1024 * 1024),
    )
    assert response.status_code == 400
    assert response.json()["errors"]["body"]
