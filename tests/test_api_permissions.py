"""Who may call what in the API: every endpoint x anonymous and each role, with objects that
are the caller's own (their record, an expert enrolled at their centre) and someone else's.

tests/test_permissions.py::test_every_route_has_a_row fails when an API endpoint has no row.
"""

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from registry.centres.models import Course
from registry.extensions import db
from tests.factories import CourseFactory, EnrolmentFactory, ExpertFactory

ROLES = ["anonymous", "expert", "centre_staff", "officer", "auditor", "admin"]

# (method, path, expected status for each role in ROLES order). {own_expert} is the
# caller's own record (expert) or an expert enrolled at the caller's centre (centre staff);
# {other_expert} is another person, enrolled at another centre.
API_TABLE = [
    ("GET", "/api/v1/health", [200, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/openapi.json", [200, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/targets", [200, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/me", [401, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/experts", [401, 403, 200, 200, 200, 403]),
    ("GET", "/api/v1/experts/{own_expert}", [401, 200, 200, 200, 200, 403]),
    ("GET", "/api/v1/experts/{other_expert}", [401, 403, 403, 200, 200, 403]),
    ("GET", "/api/v1/experts/999999", [401, 404, 404, 404, 404, 404]),
]


def covered_endpoints(app):
    """(endpoint, method) pairs that API_TABLE exercises, found by routing its paths."""
    adapter = app.url_map.bind("localhost")
    covered = set()
    for method, path, _expected in API_TABLE:
        url = path.format(own_expert=1, other_expert=2)
        try:
            endpoint, _args = adapter.match(url, method=method)
        except (NotFound, MethodNotAllowed):
            continue
        covered.add((endpoint, method))
    return covered


@pytest.mark.parametrize("role", ROLES)
def test_api_role_table(app, api_as, role):
    client = app.test_client()
    headers = {}
    kwargs = {}
    if role == "centre_staff":
        with app.app_context():
            course = CourseFactory()
            db.session.commit()
            kwargs = {"centre_id": course.centre_id}
            course_id = course.id
    if role != "anonymous":
        account, headers = api_as(role, **kwargs)
    with app.app_context():
        other = ExpertFactory()
        EnrolmentFactory(expert=other)  # at a centre of its own
        own = ExpertFactory(user_id=account.id if role == "expert" else None)
        if role == "centre_staff":
            EnrolmentFactory(expert=own, course=db.session.get(Course, course_id))
        db.session.commit()
        ids = {"own_expert": own.id, "other_expert": other.id}
    failures = []
    for method, path, expected in API_TABLE:
        url = path.format(**ids)
        response = client.open(url, method=method, headers=headers)
        want = expected[ROLES.index(role)]
        if response.status_code != want:
            failures.append(f"{method} {url}: {response.status_code}, expected {want}")
        elif want >= 400:
            assert response.json["error"]["code"], url
    assert failures == []
