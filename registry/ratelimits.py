"""Rate limits: the keys limits count by, and the start-up warning about where counters live.

Limits are declared on the views with `@limiter.limit(...)` (registry/extensions.py) and
counted in RATELIMIT_STORAGE_URI: `memory://` (each process its own counters) in
development and tests, Redis in production (REGISTRY_RATELIMIT_STORAGE_URL,
docs/operations.md).
"""

import hashlib

from flask import request
from flask_limiter.util import get_remote_address

IN_PROCESS = "memory://"


def key_by_address():
    """The client's address (the proxy's X-Forwarded-For is applied by gunicorn)."""
    return get_remote_address()


def key_by_token_or_address():
    """The caller's API token (hashed: counters never hold a secret), else its address."""
    header = (request.headers.get("Authorization") or "").strip()
    if header:
        return "token:" + hashlib.sha256(header.encode()).hexdigest()
    return "address:" + key_by_address()


def warn_if_counted_per_worker(app, workers):
    """Log a warning when production runs several workers with in-process counters: each
    worker then lets through the whole limit, and a client gets that many times over."""
    storage = app.config["RATELIMIT_STORAGE_URI"]
    if app.config["REGISTRY_ENV"] == "production" and workers > 1 and storage == IN_PROCESS:
        app.logger.warning(
            "Rate limits are counted per worker: %d workers keep their own in-process "
            "counters, so each limit is allowed %d times over. Set "
            "REGISTRY_RATELIMIT_STORAGE_URL to a Redis URL to share them.",
            workers,
            workers,
        )
