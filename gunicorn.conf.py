"""gunicorn settings for the registry: `gunicorn -c gunicorn.conf.py wsgi:app`.

Everything is read from the environment, with defaults for one small host:
  REGISTRY_BIND       address to listen on (default 127.0.0.1:8000; put a TLS proxy in front)
  REGISTRY_WORKERS    worker processes (default 2 x CPU + 1, at most 8)
  REGISTRY_THREADS    threads per worker (default 1)
  REGISTRY_TIMEOUT    seconds before a silent worker is restarted (default 30)
  REGISTRY_ACCESS_LOG file for the access log, "-" for stdout (default), "" for none

Nothing but the rate-limit counters is kept in process memory between requests, so workers
and hosts can be added freely behind a load balancer (SPEC §10); with several, keep the
counters in Redis (REGISTRY_RATELIMIT_STORAGE_URL, docs/operations.md).
"""

import gc
import multiprocessing
import os


def _int(name, default):
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


bind = os.environ.get("REGISTRY_BIND", "127.0.0.1:8000")
workers = _int("REGISTRY_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8))
# The app, loaded after this file, reads the count: with several workers and in-process
# rate-limit counters it warns that limits are per worker (registry/ratelimits.py).
os.environ["REGISTRY_WORKERS"] = str(workers)
threads = _int("REGISTRY_THREADS", 1)
timeout = _int("REGISTRY_TIMEOUT", 30)
graceful_timeout = _int("REGISTRY_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Workers are recycled now and then, with jitter so that they do not all restart at once.
max_requests = _int("REGISTRY_MAX_REQUESTS", 10_000)
max_requests_jitter = max_requests // 10

# Requests bigger than this never reach the app (the app has its own, smaller, limits).
limit_request_line = 8190
limit_request_fields = 100

accesslog = os.environ.get("REGISTRY_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("REGISTRY_LOG_LEVEL", "info")
# No query string (%(U)s is the path alone: searches carry names, verification links
# carry codes), no client address, user, referrer or user agent: no personal data.
# time, method, path, protocol, status, bytes, duration in seconds.
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)s'

# Only the proxy in front of the app may say the request came over HTTPS.
forwarded_allow_ips = os.environ.get("REGISTRY_FORWARDED_ALLOW_IPS", "127.0.0.1")

# The app is loaded once, in the master, and workers are forked from it: a worker recycled
# after max_requests starts at once instead of importing the registry again (a second or
# two of CPU, during which the connections it accepted wait), and workers share the code's
# memory.
preload_app = True


def post_fork(server, worker):
    """No database connection crosses the fork: each worker opens its own."""
    app = server.app.wsgi()
    database = getattr(app, "extensions", {}).get("sqlalchemy")
    if database is not None:
        with app.app_context():
            for engine in database.engines.values():
                engine.dispose(close=False)


def pre_fork(server, worker):
    """Hide what the master loaded (the whole app, preloaded) from the workers' garbage
    collector. Each full collection in a worker otherwise walked every object of the app:
    100-140 ms with the worker's requests waiting (a gc callback counted 33 of them in one
    `make bench`), which made verification's p99 swing from 15 ms to 300 ms. After
    gc.freeze() they take ~2 ms, and the collector no longer writes to (and so copies) the
    pages shared with the master (Python's documentation recommends it before fork)."""
    gc.freeze()
