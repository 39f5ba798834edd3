"""The API's rate limits: one counter per client and window, one Redis round trip a request.

DRF's ``SimpleRateThrottle`` keeps every request's time in a list it reads and writes whole (two
round trips, and up to ``rate`` timestamps pickled each way: 1,200 for a busy token at the
default rate). These count instead: a window starts with the client's first request, a counter
is incremented (and given the window's expiry when new) by one Lua script on Redis, and the
request is refused once the count passes the rate. The rates, scopes and cache keys are DRF's
(``DEFAULT_THROTTLE_RATES``); with Redis down they let requests through (``cosell.core.cache``).
"""

from rest_framework import throttling

from .cache import count_in_window


class CountingThrottleMixin:
    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.count, self.ttl = count_in_window(self.cache, self.key, self.duration)
        return self.count <= self.num_requests

    def wait(self) -> float | None:
        """Until the window ends (DRF puts it in ``Retry-After``)."""
        return float(max(self.ttl, 1))


class AnonRateThrottle(CountingThrottleMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(CountingThrottleMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(CountingThrottleMixin, throttling.ScopedRateThrottle):
    def allow_request(self, request, view) -> bool:
        # DRF's: the rate is the view's scope's, known only now.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
