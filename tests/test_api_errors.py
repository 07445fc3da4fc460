"""Errors under /api/v1 are JSON ({"error": {"code", "message"}}), never an HTML page, and bad
input (malformed JSON, wrong content type, wrong types, missing or unknown fields, markup,
huge bodies) is refused with a 4xx that names the problem, writing nothing."""

import json

import pytest
import sqlalchemy as sa
from flask import Blueprint, jsonify

from registry.api.errors import API_PREFIX, ApiError, http_error_response
from registry.api.input import (
    Boolean,
    Choice,
    Date,
    Email,
    Integer,
    Nested,
    Parser,
    Schema,
    Text,
)
from registry.enums import OrganisationType
from registry.experts.models import Expert
from registry.extensions import db


class Evidence(Schema):
    reference = Text(required=True)
    issued_on = Date(required=True)


# The body of SPEC §8's POST /api/v1/experts, with a nested object.
class Application(Schema):
    full_name = Text(required=True)
    date_of_birth = Date(required=True)
    email = Email(required=True)
    organisation = Text(required=True)
    organisation_type = Choice(OrganisationType, required=True)
    province = Text(max_length=100, required=True)
    sector = Text(max_length=100, required=True)
    highest_degree = Text(max_length=100, required=True)
    years_experience = Integer(maximum=80, required=True)
    consent_scheme_rules = Boolean(required=True)
    consent_public_listing = Boolean()
    evidence = Nested(Evidence)


GOOD = {
    "full_name": "Nguyễn Thị Hương",
    "date_of_birth": "1987-03-09",
    "email": "Huong.Nguyen@Example.vn",
    "organisation": "Công ty CP Dệt may Nam Định",
    "organisation_type": "enterprise",
    "province": "Nam Định",
    "sector": "Dệt may",
    "highest_degree": "Thạc sĩ",
    "years_experience": 12,
    "consent_scheme_rules": True,
}

# A stand-in for a write endpoint: parse (as the API's views do), write, commit once.
probe = Blueprint("probe", __name__, url_prefix=f"{API_PREFIX}/probe")


@probe.post("/experts")
def apply():
    data = Parser().parse(Application(), location="json")
    data.pop("evidence", None)
    expert = Expert(status="applied", **data)
    db.session.add(expert)
    db.session.commit()
    return jsonify(id=expert.id, email=expert.email), 201


@probe.get("/boom")
def boom():
    db.session.add(Expert(**{**GOOD, "status": "applied", "date_of_birth": None}))
    raise RuntimeError("secret detail about huong.nguyen@example.vn")


@pytest.fixture
def probe_client(app):
    app.register_blueprint(probe)
    return app.test_client()


def _experts(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Expert.id)))


def _post(client, body, **kwargs):
    kwargs.setdefault("content_type", "application/json")
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post("/api/v1/probe/experts", data=data, **kwargs)


def test_a_good_body_is_read_typed_and_normalised(app, probe_client):
    response = _post(probe_client, GOOD)
    assert response.status_code == 201, response.json
    assert response.json["email"] == "huong.nguyen@example.vn"


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        ("{not json", "application/json", 400, "malformed_json"),
        ('{"a": NaN}', "application/json", 400, "malformed_json"),
        (b"\xff\xfe{}", "application/json", 400, "malformed_json"),
        ("[" * 100_000 + "]" * 100_000, "application/json", 400, "malformed_json"),
        (json.dumps(GOOD), "text/plain", 415, "unsupported_media_type"),
        ("full_name=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        ("[]", "application/json", 422, "invalid"),
        ("null", "application/json", 422, "invalid"),
    ],
)
def test_bodies_that_are_not_the_expected_json_are_refused(
    app, probe_client, body, content_type, status, code
):
    response = _post(probe_client, body, content_type=content_type)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    assert _experts(app) == 0


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"full_name": None}, "full_name", "must not be null"),
        ({"full_name": ""}, "full_name", "must not be empty"),
        ({"full_name": 42}, "full_name", "must be a string"),
        ({"full_name": "Nguyễn <b>Hương</b>"}, "full_name", "must not contain < or > (no markup)"),
        ({"full_name": "a\x00b"}, "full_name", "must not contain control characters"),
        ({"full_name": "a\nb"}, "full_name", "must not contain control characters"),
        ({"full_name": "\ud800"}, "full_name", "must not contain control characters"),
        ({"full_name": " \t "}, "full_name", "must not be empty"),
        ({"full_name": "x" * 201}, "full_name", "must be at most 200 characters"),
        ({"email": "not an email"}, "email", "must be an email address"),
        ({"date_of_birth": "09/03/1987"}, "date_of_birth", "must be a date written YYYY-MM-DD"),
        ({"date_of_birth": "1987-02-30"}, "date_of_birth", "must be a date written YYYY-MM-DD"),
        (
            {"organisation_type": "bank"},
            "organisation_type",
            "must be one of: ministry, agency, province, enterprise, consultancy, university",
        ),
        ({"years_experience": "12"}, "years_experience", "must be a whole number"),
        ({"years_experience": 12.5}, "years_experience", "must be a whole number"),
        ({"years_experience": True}, "years_experience", "must be a whole number"),
        ({"years_experience": -1}, "years_experience", "must be between 0 and 80"),
        ({"years_experience": 10**40}, "years_experience", "must be between 0 and 80"),
        ({"consent_scheme_rules": "yes"}, "consent_scheme_rules", "must be true or false"),
        ({"consent_scheme_rules": 1}, "consent_scheme_rules", "must be true or false"),
        ({"nickname": "Hương"}, "nickname", "is not a known field"),
        ({"evidence": {"reference": "APO-1"}}, "evidence.issued_on", "is required"),
        ({"evidence": "APO-1"}, "evidence", "must be a JSON object"),
    ],
)
def test_wrong_types_and_values_are_422_naming_the_field(app, probe_client, change, field, message):
    response = _post(probe_client, GOOD | change, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {field: message}
    assert error["message"] == f"{field} {message}."
    assert _experts(app) == 0


def test_every_missing_field_is_named_at_once(app, probe_client):
    response = _post(probe_client, {"full_name": "Lê Văn Tám"}, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    missing = set(GOOD) - {"full_name"}
    assert response.json["error"]["fields"] == dict.fromkeys(missing, "is required")


def test_messages_are_vietnamese_by_default(app, probe_client):
    response = _post(probe_client, GOOD | {"years_experience": "12"})
    assert response.status_code == 422
    assert "years_experience" in response.json["error"]["message"]
    assert "whole number" not in response.json["error"]["message"]


def test_huge_bodies_are_413_before_they_are_read(app, probe_client):
    app.config["REGISTRY_API_MAX_BODY_BYTES"] = 1000
    response = _post(probe_client, GOOD | {"full_name": "x" * 2000})
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"
    # The same on an endpoint that reads no body at all.
    response = probe_client.get("/api/v1/health", data="x" * 2000)
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"
    assert _experts(app) == 0


def test_unknown_paths_and_methods_under_the_api_are_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json == {
        "error": {"code": "not_found", "message": response.json["error"]["message"]}
    }
    response = client.delete("/api/v1/health")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]
    # Outside the API, the same errors are pages.
    assert client.get("/no-such-page").mimetype == "text/html"


def test_an_unhandled_error_is_a_json_500_that_leaks_nothing_and_saves_nothing(
    app, probe_client, caplog
):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = probe_client.get("/api/v1/probe/boom")
    assert response.status_code == 500
    assert response.json["error"]["code"] == "server_error"
    assert "secret" not in response.text
    assert "RuntimeError" not in response.text
    assert _experts(app) == 0
    logged = caplog.text
    assert "RuntimeError" in logged  # the operator learns what happened...
    assert "huong.nguyen@example.vn" not in logged  # ...without the personal data


@probe.get("/fail/<int:status>")
def fail(status):
    raise ApiError(status)


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "bad_request"),
        (401, "unauthorized"),
        (403, "forbidden"),
        (404, "not_found"),
        (409, "conflict"),
        (413, "payload_too_large"),
        (415, "unsupported_media_type"),
        (422, "invalid"),
        (429, "too_many_requests"),
    ],
)
def test_every_error_status_has_the_same_shape(app, probe_client, status, code):
    response = probe_client.get(f"/api/v1/probe/fail/{status}")
    assert response.status_code == status
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    # The same for HTTP errors raised inside the API blueprint (abort(409) and the like).
    with app.test_request_context("/api/v1/experts"):
        from werkzeug.exceptions import default_exceptions

        answer = http_error_response(default_exceptions[status]())
        assert answer.status_code == status
        assert answer.json["error"]["code"] == code


def test_web_pages_keep_their_own_errors(app):
    """flask-smorest's error handler is app-wide: outside /api/v1 it leaves Flask's answer."""
    web = Blueprint("web_probe", __name__, url_prefix="/web-probe")

    @web.get("/conflict")
    def conflict():
        from flask import abort

        abort(409)

    app.register_blueprint(web)
    response = app.test_client().get("/web-probe/conflict")
    assert response.status_code == 409
    assert response.mimetype == "text/html"
