"""Rate limits: sign-in per client address (a flood guard), the API per token (or per
address without one), verification per address; over the limit, 429 (JSON in the API)."""

from tests.conftest import TEST_PASSWORD


def _sign_in(client, email, address="10.0.0.1"):
    return client.post(
        "/login",
        data={"email": email, "password": "wrong-" + TEST_PASSWORD},
        environ_base={"REMOTE_ADDR": address},
    )


def test_sign_in_is_limited_per_client_address(app, client):
    app.config["REGISTRY_LOGIN_RATE_LIMIT"] = "3 per minute"
    statuses = [_sign_in(client, f"user{n}@example.vn").status_code for n in range(4)]
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429
    assert _sign_in(client, "user9@example.vn", address="10.0.0.2").status_code == 200
    assert client.get("/login", environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 200


def test_api_calls_are_limited_per_token(app, client, api_as):
    app.config["REGISTRY_API_TOKEN_RATE_LIMIT"] = "3 per minute"
    _, first = api_as("officer")
    _, second = api_as("officer")
    statuses = [client.get("/api/v1/me", headers=first).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/me", headers=first)
    assert refused.json["error"]["code"] == "too_many_requests"
    assert int(refused.headers["Retry-After"]) >= 1
    assert client.get("/api/v1/me", headers=second).status_code == 200
    assert client.get("/api/v1/health", headers=first).status_code == 200  # exempt


def test_anonymous_api_calls_are_limited_per_address(app, client):
    app.config["REGISTRY_API_ANONYMOUS_RATE_LIMIT"] = "2 per minute"
    here, there = {"REMOTE_ADDR": "10.0.2.1"}, {"REMOTE_ADDR": "10.0.2.2"}
    statuses = [client.get("/api/v1/targets", environ_base=here).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert client.get("/api/v1/targets", environ_base=there).status_code == 200


def test_verification_api_is_limited_per_address(app, client):
    app.config["REGISTRY_VERIFY_RATE_LIMIT"] = "2 per minute"
    url = "/api/v1/verify/NSCL-QG-2026-00001?code=abc"
    statuses = [client.get(url).status_code for _ in range(3)]
    assert statuses == [404, 404, 429]
    assert client.get(url).json["error"]["code"] == "too_many_requests"


def test_every_view_with_a_limit_is_checked(app):
    """The limiter checks no request by itself (registry/extensions.py): a view decorated with
    @limiter.limit is limited only when its blueprint runs limiter.check first."""
    from registry.extensions import limiter

    decorated = {  # Flask-Limiter marks each view it wraps (with a weak proxy to itself)
        endpoint
        for endpoint, view in app.view_functions.items()
        if hasattr(view, "__wrapper-limiter-instance")
    }
    assert {"auth.login", "certificates.verify"} <= decorated
    for endpoint in decorated:
        blueprint = endpoint.rpartition(".")[0]
        assert limiter.check in app.before_request_funcs.get(blueprint, []), endpoint


def test_counting_a_hit_starts_no_thread(app, client):
    """limits' memory:// storage starts a timer thread 10 ms after the last one ended, on
    every hit: ~80 threads a second per loaded worker. registry-memory:// starts none."""
    import threading
    import time

    from registry.extensions import limiter
    from registry.ratelimit_storage import SweptMemoryStorage

    assert isinstance(limiter.storage, SweptMemoryStorage)
    threads = threading.active_count()
    for _ in range(3):
        assert client.get("/api/v1/targets").status_code == 200
        assert threading.active_count() == threads  # memory:// has a timer running now
        time.sleep(0.02)  # longer than that timer: the next hit would start another


def test_expired_counters_are_swept_by_later_hits():
    import time

    from registry.ratelimit_storage import SweptMemoryStorage

    storage = SweptMemoryStorage()
    storage.incr("old", expiry=0.01)
    assert storage.get("old") == 1
    time.sleep(0.02)
    storage._next_sweep = 0  # the next hit sweeps (at most once a second otherwise)
    storage.incr("new", expiry=60)
    assert "old" not in storage.storage and storage.get("new") == 1
