"""Rate limits: sign-in per client address and per email tried, the API per token (or per
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


def test_sign_in_is_limited_per_email_across_addresses(app, client):
    app.config["REGISTRY_LOGIN_EMAIL_RATE_LIMIT"] = "2 per minute"
    emails = ["huong@example.vn", " Huong@Example.vn", "HUONG@example.vn"]
    statuses = [_sign_in(client, e, f"10.0.1.{n}").status_code for n, e in enumerate(emails)]
    assert statuses == [200, 200, 429]
    assert _sign_in(client, "lan@example.vn", "10.0.1.9").status_code == 200


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
