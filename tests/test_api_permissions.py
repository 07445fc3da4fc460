"""Who may call what in the API: every endpoint x anonymous and each role, with objects that
are the caller's own (their record, an expert enrolled at their centre, a course of their
centre, a session they examine, a certificate they hold) and someone else's.

tests/test_permissions.py::test_every_route_has_a_row fails when an API endpoint has no row.
A role that may not use an endpoint at all gets 403; an object the caller may not see is 404,
whatever the body asks, and the answer names nobody.
"""

import re

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from registry.auth.models import User
from registry.enums import ExpertStatus
from registry.experts.models import Expert
from registry.extensions import db
from tests.factories import (
    CentreFactory,
    CourseFactory,
    EnrolmentFactory,
    ExamSessionFactory,
    ExpertFactory,
    issued_certificate,
)

ROLES = ["anonymous", "expert", "centre_staff", "officer", "auditor", "admin"]
# Centre staff may use the endpoint, but not on another centre's objects, which they cannot
# see: 404. Other roles may not use it at all: 403.
UNSEEN = [401, 403, 404, 403, 403, 403]
STAFF_ONLY = [401, 403, "ok", 403, 403, 403]

APPLICATION = {
    "full_name": "Lê Văn Ứng",
    "date_of_birth": "1985-02-03",
    "email": "ung.le@example.vn",
    "organisation": "Sở KH&CN Huế",
    "organisation_type": "province",
    "province": "Thừa Thiên Huế",
    "sector": "Hành chính công",
    "highest_degree": "Thạc sĩ",
    "years_experience": 9,
    "consent_scheme_rules": True,
}
COURSE = {
    "code": "API-01",
    "title": "Năng suất xanh",
    "topic": "pq_expert_basic",
    "level": "basic",
    "starts_on": "2026-09-01",
    "ends_on": "2026-10-30",
    "hours": 40,
    "capacity": 20,
}
SESSION = {
    "course_id": "{own_course}",
    "held_on": "2026-05-01",
    "examiner_id": "{me}",
    "pass_mark": 70,
    "max_score": 100,
}

# (method, path, expected status for each role in ROLES order, JSON body or None).
# "ok" is 200, or 201 for a POST that creates. {own_*} objects belong to the caller (the
# expert's record, their certificate; the staff's centre and sessions); {other_*} to others.
API_TABLE = [
    ("GET", "/api/v1/health", [200, 200, 200, 200, 200, 200], None),
    ("GET", "/api/v1/openapi.json", [200, 200, 200, 200, 200, 200], None),
    ("GET", "/api/v1/targets", [200, 200, 200, 200, 200, 200], None),
    ("GET", "/api/v1/me", [401, 200, 200, 200, 200, 200], None),
    # Centre staff see people only on their rosters, not through the registry (issue 15).
    ("GET", "/api/v1/experts", [401, 403, 403, 200, 200, 403], None),
    # Centre staff see a person only on their roster, never the whole record (issue 15).
    ("GET", "/api/v1/experts/{own_expert}", [401, 200, 404, 200, 200, 404], None),
    ("GET", "/api/v1/experts/{other_expert}", [401, 404, 404, 200, 200, 404], None),
    ("GET", "/api/v1/experts/999999", [401, 404, 404, 404, 404, 404], None),
    # The expert already holds a record: a second application conflicts.
    ("POST", "/api/v1/experts", [401, 409, 403, "ok", 403, 403], APPLICATION),
    (
        "POST",
        "/api/v1/experts/{other_expert}/transitions",
        [401, 404, 404, 200, 403, 404],
        {"to": "rejected", "reason": "Hồ sơ thiếu bằng cấp"},
    ),
    ("POST", "/api/v1/experts/999999/transitions", [401, 404, 404, 404, 404, 404], {"to": "x"}),
    ("GET", "/api/v1/courses", [401, 403, 200, 200, 200, 403], None),
    ("POST", "/api/v1/courses", STAFF_ONLY, COURSE),
    (
        "POST",
        "/api/v1/courses/{own_course}/enrolments",
        STAFF_ONLY,
        {"expert_id": "{other_expert}"},
    ),
    (
        "POST",
        "/api/v1/courses/{other_course}/enrolments",
        UNSEEN,
        {"expert_id": "{other_expert}"},
    ),
    ("POST", "/api/v1/courses/999999/enrolments", [401, 403, 404, 403, 403, 403], {}),
    ("PATCH", "/api/v1/enrolments/{own_enrolment}", [401, 403, 200, 403, 403, 403], {}),
    ("PATCH", "/api/v1/enrolments/{other_enrolment}", UNSEEN, {"attended_hours": 1}),
    ("PATCH", "/api/v1/enrolments/999999", [401, 403, 404, 403, 403, 403], {}),
    ("POST", "/api/v1/exam-sessions", STAFF_ONLY, SESSION),
    (
        "POST",
        "/api/v1/exam-sessions/{own_session}/results",
        [401, 403, 200, 403, 403, 403],
        [{"expert_id": "{own_expert}", "score": 81}],
    ),
    (
        "POST",
        "/api/v1/exam-sessions/{other_session}/results",
        UNSEEN,
        [{"expert_id": "{own_expert}", "score": 81}],
    ),
    ("GET", "/api/v1/certificates/{own_certificate}", [401, 200, 404, 200, 200, 404], None),
    ("GET", "/api/v1/certificates/{other_certificate}", [401, 404, 404, 200, 200, 404], None),
    ("GET", "/api/v1/certificates/{own_certificate}/pdf", [401, 200, 404, 200, 200, 404], None),
    ("GET", "/api/v1/certificates/{other_certificate}/pdf", [401, 404, 404, 200, 200, 404], None),
    ("GET", "/api/v1/certificates/NSCL-QG-1999-99999", [401, 404, 404, 404, 404, 404], None),
    # The credential: anyone who may not see it gets a 404 that names nobody.
    (
        "GET",
        "/api/v1/certificates/{own_certificate}/credential",
        [401, 200, 404, 200, 200, 404],
        None,
    ),
    (
        "GET",
        "/api/v1/certificates/{other_certificate}/credential",
        [401, 404, 404, 200, 200, 404],
        None,
    ),
    ("GET", "/api/v1/verify/{own_certificate}?code={own_code}", [200] * 6, None),
    ("GET", "/api/v1/verify/{own_certificate}?code=wrong", [404] * 6, None),
]


def covered_endpoints(app):
    """(endpoint, method) pairs that API_TABLE exercises, found by routing its paths."""
    adapter = app.url_map.bind("localhost")
    covered = set()
    for method, path, _expected, _body in API_TABLE:
        url = re.sub(r"\{\w+\}", "1", path.split("?")[0])
        try:
            endpoint, _args = adapter.match(url, method=method)
        except (NotFound, MethodNotAllowed):
            continue
        covered.add((endpoint, method))
    return covered


def _fill(value, ids):
    """The body with "{name}" placeholders replaced by the objects' ids."""
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    if isinstance(value, str) and re.fullmatch(r"\{\w+\}", value):
        return ids[value[1:-1]]
    return value


def _objects(role, account):
    """The objects of the table: the caller's own and someone else's (committed)."""
    user = db.session.get(User, account.id) if account else None
    course = CourseFactory(**({"centre": user.centre} if role == "centre_staff" else {}))
    other = ExpertFactory()
    other_enrolment = EnrolmentFactory(expert=other)  # at a centre of its own
    own = ExpertFactory(
        status=ExpertStatus.CERTIFIED, user_id=account.id if role == "expert" else None
    )
    own_enrolment = EnrolmentFactory(expert=own, course=course)
    examiner = {"examiner": user} if role == "centre_staff" else {}
    own_session = ExamSessionFactory(centre=course.centre, course=course, **examiner)
    own_certificate = issued_certificate(own)
    other_certificate = issued_certificate()
    other_session = ExamSessionFactory()
    db.session.commit()
    return {
        "me": account.id if account else None,
        "own_expert": own.id,
        "other_expert": other.id,
        "own_course": course.id,
        "other_course": other_enrolment.course_id,
        "own_enrolment": own_enrolment.id,
        "other_enrolment": other_enrolment.id,
        "own_session": own_session.id,
        "other_session": other_session.id,
        "own_certificate": own_certificate.number,
        "own_code": own_certificate.verification_code,
        "other_certificate": other_certificate.number,
        "other_name": other.full_name,
        "other_email": other.email,
    }


@pytest.mark.parametrize("role", ROLES)
def test_api_role_table(app, api_as, role):
    client = app.test_client()
    app.config["REGISTRY_VERIFY_RATE_LIMIT"] = "1000 per minute"
    account, headers = None, {}
    if role == "centre_staff":
        with app.app_context():
            centre_id = CentreFactory().id
            db.session.commit()
        account, headers = api_as(role, centre_id=centre_id)
    elif role != "anonymous":
        account, headers = api_as(role)
    with app.app_context():
        ids = _objects(role, account)
    failures = []
    for method, path, expected, body in API_TABLE:
        url = path.format(**ids)
        kwargs = {"json": _fill(body, ids)} if body is not None else {}
        response = client.open(url, method=method, headers=headers, **kwargs)
        want = expected[ROLES.index(role)]
        if want == "ok":
            want = 201 if method == "POST" and not path.endswith("/results") else 200
        if response.status_code != want:
            detail = response.json["error"]["message"] if response.is_json and want < 400 else ""
            failures.append(f"{method} {url}: {response.status_code}, expected {want} {detail}")
        elif want >= 400:
            assert response.json["error"]["code"], url
            # An error names nobody: not the person behind someone else's objects.
            assert ids["other_name"] not in response.text, url
            assert ids["other_email"] not in response.text, url
    assert failures == []


@pytest.mark.parametrize("role", ["expert", "centre_staff", "admin"])
def test_a_transition_for_someone_unseen_is_404_naming_nobody(app, client, api_as, role):
    """Visibility comes before the transition table: the answer tells neither the person's
    name nor their state, whatever the body asks (an illegal move, a bad body)."""
    _, headers = api_as(role)
    with app.app_context():
        other = ExpertFactory(full_name="Phạm Thị Kín", status=ExpertStatus.CERTIFIED)
        db.session.commit()
        url, email = f"/api/v1/experts/{other.id}/transitions", other.email
    for body in ({"to": "applied"}, {"to": "suspended"}, {"to": "nowhere", "x": 1}):
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 404, body
        assert response.json["error"]["code"] == "not_found"
        for secret in ("Phạm Thị Kín", email, "certified"):
            assert secret not in response.text
    with app.app_context():
        assert db.session.get(Expert, other.id).history == []
