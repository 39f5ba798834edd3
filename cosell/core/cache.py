"""The cache, failing open: the portal keeps answering while Redis is down.

The cache holds nothing the portal needs to be right, only what makes it faster or fairer (the
API's throttle counters). When Redis does not answer, a read is a miss and a write is skipped,
logged at most once per ``LOG_EVERY`` seconds: throttles then let requests through instead of
answering 500 ("fail open"), and count again as soon as Redis is back. Connection and read
timeouts are short so a dead Redis costs a request milliseconds, not seconds.
"""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
LOG_EVERY = 30.0
_last_logged = 0.0


def _log_down(operation: str, exc: Exception) -> None:
    global _last_logged
    now = time.monotonic()
    if now - _last_logged >= LOG_EVERY:
        _last_logged = now
        log.warning("cache unavailable (%s: %s); failing open", operation, exc)


def _fail_open(default_from_args=None, default=None):
    """Wrap a cache operation: when Redis is down, return the default instead of raising."""

    def decorator(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except DOWN as exc:
                _log_down(method.__name__, exc)
                if default_from_args is not None:
                    return default_from_args(args, kwargs)
                return default

        return wrapper

    return decorator


def _get_default(args, kwargs):
    return kwargs.get("default", args[1] if len(args) > 1 else None)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's, keeping one ``redis.Redis`` per connection pool: Django builds a new one for
    every cache operation (its constructor registers ~170 response callbacks), a measurable
    part of an API request's fixed cost. The client is thread-safe; the pool is Django's."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """Django's Redis cache, failing open (see the module docstring)."""

    def __init__(self, server, params):
        params = dict(params)
        options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
        options.update(params.get("OPTIONS") or {})
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    get = _fail_open(_get_default)(RedisCache.get)
    add = _fail_open(default=False)(RedisCache.add)
    set = _fail_open()(RedisCache.set)
    touch = _fail_open(default=False)(RedisCache.touch)
    delete = _fail_open(default=False)(RedisCache.delete)
    get_many = _fail_open(lambda args, kwargs: {})(RedisCache.get_many)
    has_key = _fail_open(default=False)(RedisCache.has_key)
    set_many = _fail_open(lambda args, kwargs: [])(RedisCache.set_many)
    delete_many = _fail_open()(RedisCache.delete_many)
    clear = _fail_open(default=False)(RedisCache.clear)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except DOWN as exc:
            _log_down("incr", exc)
            # Counting is impossible: behave as for a missing key.
            raise ValueError(f"Key '{key}' not found (cache unavailable)") from exc


# Increment a window's counter; a new counter gets the window's expiry. Returns (count, seconds
# left). One round trip, atomic: no counter is ever left without its expiry.
_COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
"""


def count_in_window(cache, key: str, seconds: int) -> tuple[int, int]:
    """Count one event for ``key`` in a window of ``seconds`` that starts with its first event;
    return (events so far in the window, seconds until it ends). With Redis down: (0, 0), so
    that callers let the event through (fail open). Other caches: add and incr."""
    # ``cache`` may be django.core.cache.cache, a proxy: ask for Redis's client, not the class.
    if hasattr(getattr(cache, "_cache", None), "get_client"):
        full_key = cache.make_and_validate_key(key)
        try:
            client = cache._cache.get_client(full_key, write=True)
            count, ttl = client.eval(_COUNT_SCRIPT, 1, full_key, int(seconds))
        except DOWN as exc:
            _log_down("count_in_window", exc)
            return 0, 0
        return int(count), int(ttl)
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key), seconds
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        return 1, seconds
