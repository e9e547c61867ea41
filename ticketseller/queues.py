"""The RQ queues, each on one Redis client per process.

django-rq builds a new Redis client, and with it a new connection pool, on every
`get_queue`/`get_connection` call: a new TCP connection per enqueue or progress read, which
cost the web a tenth of its CPU in a rush. Here each queue's URL gets one client, reused by
every thread of the process (redis-py's pool is thread-safe and reconnects after a fork or a
Redis restart).
"""

import functools

import django_rq
from django.conf import settings
from redis import Redis
from rq import Queue


@functools.lru_cache(maxsize=8)
def _client(url: str) -> Redis:
    return Redis.from_url(url)


def queue_connection(name: str) -> Redis:
    """The process's Redis client for queue `name` (options from its URL, see settings)."""
    return _client(settings.RQ_QUEUES[name]["URL"])


def get_queue(name: str, **kwargs) -> Queue:
    """`django_rq.get_queue(name)` on the process's shared client."""
    return django_rq.get_queue(name, connection=queue_connection(name), **kwargs)
