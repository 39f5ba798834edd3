"""Personas every tenancy test reuses, and the guards that stop a run missing its services."""

import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from cosell import celery_app
from cosell.partners.models import Membership
from tests.partners.factories import (
    PASSWORD,
    MembershipFactory,
    PartnerFactory,
    SellerFactory,
    UserFactory,
)

# Under pytest-xdist every worker has its own test database (pytest-django) and, here, its own
# cache key prefix in the shared Redis, so one worker's clean-up never empties another's throttles.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _WORKER:
    _cache = settings.CACHES["default"]
    _cache["KEY_PREFIX"] = f"{_cache.get('KEY_PREFIX', 'cosell')}-{_WORKER}"


def pytest_sessionstart(session):
    """Never skip quietly: without PostgreSQL and Redis the run fails and says what to do."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        pytest.exit(
            "The tests run on PostgreSQL: set DATABASE_URL (make test sets "
            "postgres://postgres@127.0.0.1:5432/cosell) and install PostgreSQL "
            "(Debian: apt-get install postgresql).",
            returncode=3,
        )
    if not settings.REDIS_URL:
        pytest.exit("The tests need Redis: set REDIS_URL (make test does).", returncode=3)
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.exit(
            f"Redis at {settings.REDIS_URL} does not answer ({exc}): start it, or install it "
            "(Debian: apt-get install redis-server). `make test` does both.",
            returncode=3,
        )


@pytest.fixture(autouse=True)
def _isolation(settings):
    """Tasks run in-process; cache keys (throttles) start empty for every test; every test starts
    in the default language (a test that left Chinese active must not change the next one)."""
    translation.activate(settings.LANGUAGE_CODE)
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    client = cache._cache.get_client()
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    yield


@pytest.fixture
def partner(db):
    return PartnerFactory(name="Contoso Analytics", country="US")


@pytest.fixture
def other_partner(db):
    return PartnerFactory(name="Fabrikam Cloud", country="CN")


@pytest.fixture
def partner_admin(partner):
    return MembershipFactory(
        partner=partner, role=Membership.Role.ADMIN, user=UserFactory(username="ada")
    ).user


@pytest.fixture
def partner_user(partner):
    return MembershipFactory(
        partner=partner, role=Membership.Role.MEMBER, user=UserFactory(username="uma")
    ).user


@pytest.fixture
def other_partner_admin(other_partner):
    return MembershipFactory(
        partner=other_partner, role=Membership.Role.ADMIN, user=UserFactory(username="oscar")
    ).user


@pytest.fixture
def other_partner_user(other_partner):
    return MembershipFactory(
        partner=other_partner, role=Membership.Role.MEMBER, user=UserFactory(username="olga")
    ).user


@pytest.fixture
def seller(db):
    return SellerFactory(user=UserFactory(username="sam"), countries=["US"]).user


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def password():
    return PASSWORD


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_for():
    return logged_in
