import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def login(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_login_lands_on_home_and_logout_ends_the_session(partner_admin, password):
    client = Client()
    response = login(client, "ada", password)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "Contoso Analytics" in home.content.decode()

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))


def test_wrong_password_shows_the_form_again(partner_admin):
    response = login(Client(), "ada", "nope")
    assert response.status_code == 200
    assert "_auth_user_id" not in Client().session
    assert "correct username and password" in response.content.decode()


def test_login_is_locked_after_five_failures_per_account_and_address(partner_admin, password):
    client = Client()
    for _ in range(4):
        assert login(client, "ada", "wrong").status_code == 200
    assert login(client, "ada", "wrong").status_code == 429
    # Locked now, even with the right password, from the same address.
    locked = login(client, "ada", password)
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    # The same account from another address, and another account from this one, still work.
    assert login(Client(), "ada", password, ip="10.0.0.2").status_code == 302


def test_token_endpoint_shares_the_login_lock(partner_admin, password):
    client = Client()
    for _ in range(5):
        client.post(
            "/api/v1/auth/token/",
            {"username": "ada", "password": "wrong"},
            content_type="application/json",
            REMOTE_ADDR="10.9.9.9",
        )
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "ada", "password": password},
        content_type="application/json",
        REMOTE_ADDR="10.9.9.9",
    )
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


def test_password_reset_mails_a_link_that_sets_a_new_password(
    partner_admin, django_capture_on_commit_callbacks
):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):  # the mail is queued on commit
        response = client.post(reverse("password_reset"), {"email": partner_admin.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-much-better-secret", "new_password2": "a-much-better-secret"},
    )
    assert response.status_code == 302
    partner_admin.refresh_from_db()
    assert partner_admin.check_password("a-much-better-secret")


def test_password_change(partner_user, password, client_for):
    client = client_for(partner_user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": "n3w-secret-xyz",
            "new_password2": "n3w-secret-xyz",
        },
    )
    assert response.status_code == 302
    partner_user.refresh_from_db()
    assert partner_user.check_password("n3w-secret-xyz")


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("partner_admin", "Contoso Analytics"),
        ("partner_user", "Contoso Analytics"),
        ("seller", "Your territory"),
    ],
)
def test_home_page_by_role(request, client_for, persona, expected):
    response = client_for(request.getfixturevalue(persona)).get(reverse("home"))
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_admin_home_goes_to_the_django_admin(admin_user, client_for):
    response = client_for(admin_user).get(reverse("home"))
    assert response["Location"] == reverse("admin:index")


def test_language_switcher_serves_simplified_chinese(partner_admin, client_for):
    client = client_for(partner_admin)
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    page = client.get(reverse("home")).content.decode()
    assert 'lang="zh-hans"' in page
    assert "成员" in page  # "Members" in the navigation


def test_static_assets_are_served_by_the_app(client):
    response = client.get("/static/vendor/bootstrap/bootstrap.min.css")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"Bootstrap" in body[:500]
