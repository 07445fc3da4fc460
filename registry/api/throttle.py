"""Rate limits on the API (Flask-Limiter's storage and strategy, keyed here).

A call with a token counts against that token (`REGISTRY_API_TOKEN_RATE_LIMIT`), one without
against the client address (`REGISTRY_API_ANONYMOUS_RATE_LIMIT`); /verify/... has its own
per-address limit on top (`REGISTRY_VERIFY_RATE_LIMIT`). Health checks and the OpenAPI
document are exempt. Over the limit: 429 in the API's error format, with Retry-After.
Runs before the token is looked up, so a flood costs no database query.
"""

import time

from flask import current_app, request
from limits import parse_many

from registry.api.errors import ApiError
from registry.api.tokens import hash_token
from registry.extensions import limiter

EXEMPT = {"api.health", "api.openapi"}


def _caller_key():
    header = request.headers.get("Authorization")
    if header:
        return "REGISTRY_API_TOKEN_RATE_LIMIT", "api-token:" + hash_token(header.strip())
    return "REGISTRY_API_ANONYMOUS_RATE_LIMIT", "api-address:" + (request.remote_addr or "")


def throttle():
    """Before each API request: one hit on the caller's limits; 429 when one is exhausted."""
    if not limiter.enabled or request.endpoint in EXEMPT:
        return
    setting, key = _caller_key()
    strategy = limiter.limiter
    for item in parse_many(current_app.config[setting]):
        if not strategy.hit(item, key):
            reset, _remaining = strategy.get_window_stats(item, key)
            retry = max(1, int(reset - time.time()))
            raise ApiError(429, headers={"Retry-After": str(retry)})
