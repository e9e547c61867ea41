"""The shared cache: Django's Redis cache that misses instead of failing.

It only holds throttling counters. When Redis stalls or is down, a request should neither
wait for it nor fail because of it: a read is a miss, a write is dropped, and for a few
seconds after a failure the process does not try again (each try would cost a timeout).
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
#: After a Redis error, skip the cache for this long (seconds) in this process.
PAUSE_AFTER_ERROR = 5.0


class FailSoftRedisCache(RedisCache):
    _down_until = 0.0

    def _call(self, method: str, fallback, *args, **kwargs):
        if time.monotonic() < FailSoftRedisCache._down_until:
            return fallback
        try:
            return getattr(super(), method)(*args, **kwargs)
        except RedisError as exc:
            FailSoftRedisCache._down_until = time.monotonic() + PAUSE_AFTER_ERROR
            log.warning("cache unavailable for %.0fs: %s", PAUSE_AFTER_ERROR, exc)
            return fallback

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", delta, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", None)
