"""Rate limits on the API (Flask-Limiter's storage and strategy, keyed here).

A call with a token counts against that token (`REGISTRY_API_TOKEN_RATE_LIMIT`), one without
against the client address (`REGISTRY_API_ANONYMOUS_RATE_LIMIT`); /verify/... has its own
per-address limit on top (`REGISTRY_VERIFY_RATE_LIMIT`). Health checks and the OpenAPI
document are exempt. Over the limit: 429 in the API's error format, with Retry-After.
Runs before the token is looked up, so a flood costs no database query.

Every API limit is hit here, in one place, rather than by Flask-Limiter's per-request hook
and decorators (registry/extensions.py): each is one counter in the limiter's storage.
"""

import time
from functools import lru_cache

from flask import current_app, request
from limits import parse_many

from registry.api.errors import ApiError
from registry.api.tokens import hash_token
from registry.extensions import limiter

EXEMPT = {"api.health", "api.openapi"}
# Endpoints with a per-address limit of their own, on top of the caller's.
OWN_LIMITS = {"api.verify": "REGISTRY_VERIFY_RATE_LIMIT"}


def _caller_limit():
    header = request.headers.get("Authorization")
    if header:
        return "REGISTRY_API_TOKEN_RATE_LIMIT", "api-token:" + hash_token(header.strip())
    return "REGISTRY_API_ANONYMOUS_RATE_LIMIT", "api-address:" + (request.remote_addr or "")


@lru_cache(maxsize=32)
def _parsed(setting_value):
    return tuple(parse_many(setting_value))


def throttle():
    """Before each API request: one hit on each of the caller's limits; 429 when one is
    exhausted."""
    endpoint = request.endpoint
    if not limiter.enabled or endpoint in EXEMPT:
        return
    limits = [_caller_limit()]
    if endpoint in OWN_LIMITS:
        limits.append((OWN_LIMITS[endpoint], f"{endpoint}:{request.remote_addr or ''}"))
    strategy = limiter.limiter
    for setting, key in limits:
        for item in _parsed(current_app.config[setting]):
            if not strategy.hit(item, key):
                reset, _remaining = strategy.get_window_stats(item, key)
                retry = max(1, int(reset - time.time()))
                raise ApiError(429, headers={"Retry-After": str(retry)})
