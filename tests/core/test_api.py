import pytest
from django.test import Client

from cosell.core.models import ApiToken, hash_token

pytestmark = pytest.mark.django_db


def obtain(username, password, **extra):
    return Client().post(
        "/api/v1/auth/token/",
        {"username": username, "password": password, **extra},
        content_type="application/json",
    )


def test_token_login_returns_a_token_that_is_stored_hashed(partner_admin, password):
    response = obtain("ada", password, name="CRM sync")
    assert response.status_code == 201
    raw = response.json()["token"]
    token = ApiToken.objects.get(user=partner_admin)
    assert token.name == "CRM sync"
    assert token.key_hash == hash_token(raw)
    assert raw not in {token.key_hash, token.prefix}

    me = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {raw}")
    assert me.status_code == 200
    assert me.json()["username"] == "ada"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_bad_credentials_name_the_problem(partner_admin):
    response = obtain("ada", "wrong")
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert body["code"] == "invalid"
    assert "non_field_errors" in body["errors"]


def test_missing_field_is_named(db):
    response = Client().post(
        "/api/v1/auth/token/", {"username": "x"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["password"] == ["This field is required."]


def test_revoked_token_is_refused(partner_admin, password):
    raw = obtain("ada", password).json()["token"]
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    response = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {raw}")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_anonymous_gets_401_with_the_error_shape(db):
    response = Client().get("/api/v1/me/")
    assert response.status_code in (401, 403)
    assert set(response.json()) >= {"status", "code", "detail"}


@pytest.mark.parametrize(
    ("persona", "role", "partner_name"),
    [
        ("partner_admin", "partner_admin", "Contoso Analytics"),
        ("partner_user", "partner_user", "Contoso Analytics"),
        ("other_partner_admin", "partner_admin", "Fabrikam Cloud"),
        ("seller", "seller", None),
        ("admin_user", "admin", None),
    ],
)
def test_me_per_persona(request, client_for, persona, role, partner_name):
    user = request.getfixturevalue(persona)
    body = client_for(user).get("/api/v1/me/").json()
    assert body["role"] == role
    assert body["username"] == user.username
    assert (body["partner"] or {}).get("name") == partner_name


def test_unknown_api_path_is_a_json_404(partner_admin, client_for):
    response = client_for(partner_admin).get("/api/v1/nothing-here/")
    assert response.status_code == 404


def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/me/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()


def test_api_is_throttled(partner_admin, client_for, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import UserRateThrottle

    original = UserRateThrottle.THROTTLE_RATES
    UserRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "user": "3/min"}
    try:
        client = client_for(partner_admin)
        codes = [client.get("/api/v1/me/").status_code for _ in range(4)]
    finally:
        UserRateThrottle.THROTTLE_RATES = original
    assert codes == [200, 200, 200, 429]
