"""The API's counting throttles: the rate holds, Retry-After says when the window ends, and the
counter in Redis always carries the window's expiry."""

import pytest
from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle

from cosell.core.cache import count_in_window

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_a_minute():
    original = UserRateThrottle.THROTTLE_RATES
    UserRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "user": "3/min"}
    yield
    UserRateThrottle.THROTTLE_RATES = original


def test_the_fourth_request_in_a_minute_waits_for_the_window(
    three_a_minute, partner_admin, client_for
):
    client = client_for(partner_admin)
    responses = [client.get("/api/v1/me/") for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert 1 <= int(responses[-1]["Retry-After"]) <= 60
    assert responses[-1].json()["code"] == "throttled"


def test_a_counter_always_expires():
    redis = cache._cache.get_client(write=True)
    key = cache.make_and_validate_key("throttle-test")
    assert count_in_window(cache, "throttle-test", 30) == (1, 30)
    assert count_in_window(cache, "throttle-test", 30)[0] == 2
    assert 0 < redis.ttl(key) <= 30
    # A counter left without expiry (by anything) gets the window's again.
    redis.persist(key)
    assert count_in_window(cache, "throttle-test", 30)[0] == 3
    assert 0 < redis.ttl(key) <= 30
