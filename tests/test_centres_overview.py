"""The centre overview (courses running, people trained this year, pass rate), navigation,
and who may open which centre page."""

from datetime import date, timedelta

import pytest

from registry.auth.models import User
from registry.centres.models import TrainingCentre
from registry.centres.queries import centre_figures
from registry.extensions import db
from registry.targets.counting import today
from tests.factories import (
    CentreFactory,
    CourseFactory,
    EnrolmentFactory,
    ExamResultFactory,
    ExamSessionFactory,
    staff_of,
    topic,
)


def _completed(course, staff, on, hours=120, **kwargs):
    return EnrolmentFactory(
        course=course,
        attended_hours=hours,
        completed=True,
        completed_on=on,
        completion_recorded_by_id=staff.id,
        **kwargs,
    )


def test_figures_of_a_centre(ctx):
    on = date(2026, 11, 21)  # the figures are computed as of a given day
    centre = CentreFactory()
    staff = staff_of(centre)
    running = CourseFactory(
        centre=centre, starts_on=on - timedelta(days=5), ends_on=on + timedelta(days=5)
    )
    CourseFactory(centre=centre, starts_on=on + timedelta(days=10), ends_on=on + timedelta(days=20))
    this_year = CourseFactory(
        centre=centre, starts_on=date(on.year, 1, 5), ends_on=date(on.year, 1, 30)
    )
    five_s = CourseFactory(
        centre=centre,
        topic=topic("5s"),
        starts_on=date(on.year, 1, 5),
        ends_on=date(on.year, 1, 30),
    )
    last_year = CourseFactory(
        centre=centre, starts_on=date(on.year - 1, 3, 1), ends_on=date(on.year - 1, 3, 30)
    )
    first = _completed(this_year, staff, date(on.year, 2, 1))
    _completed(five_s, staff, date(on.year, 2, 1), expert=first.expert)  # counted once
    _completed(five_s, staff, date(on.year, 2, 1))
    _completed(last_year, staff, date(on.year - 1, 4, 1))
    EnrolmentFactory(course=running)  # not completed
    CourseFactory(starts_on=on - timedelta(days=1), ends_on=on)  # another centre's
    exam = ExamSessionFactory(centre=centre, held_on=date(on.year, 2, 10), pass_mark=70)
    for score in (90, 70, 50, 69):
        ExamResultFactory(session=exam, score=score)
    old_exam = ExamSessionFactory(centre=centre, held_on=date(on.year - 1, 5, 1))
    ExamResultFactory(session=old_exam, score=95)
    ExamResultFactory(score=10)  # another centre's result

    figures = centre_figures(centre, on)
    assert [c.id for c in figures["running"]] == [running.id]
    assert figures["trained_this_year"] == 2
    assert figures["expert_programme_this_year"] == 1
    assert (figures["passes"], figures["results"], figures["pass_rate"]) == (3, 5, 60)
    assert (figures["passes_this_year"], figures["results_this_year"]) == (2, 4)
    assert figures["pass_rate_this_year"] == 50


def test_the_overview_page(app, client, login_as, english):
    staff = login_as("centre_staff")
    on = today()
    with app.app_context():
        centre = db.session.get(TrainingCentre, staff.centre_id)
        CourseFactory(
            centre=centre,
            code="DANG-CHAY",
            starts_on=on - timedelta(days=1),
            ends_on=on + timedelta(days=1),
        )
        exam = ExamSessionFactory(centre=centre, examiner=db.session.get(User, staff.id))
        ExamResultFactory(session=exam, score=80)
        ExamResultFactory(session=exam, score=20)
        db.session.commit()
    page = client.get(f"/centres/{staff.centre_code}").text
    assert "DANG-CHAY" in page
    assert "50 %" in page and "1 of 2 results passed" in page
    assert f"People trained in {on.year}" in page


def test_centre_staff_find_their_pages_in_the_navigation(app, client, login_as):
    staff = login_as("centre_staff")
    home = client.get(f"/centres/{staff.centre_code}").text
    for path in ("/centres/mine/courses", "/centres/mine/exams", "/centres/mine/imports"):
        assert f'href="{path}"' in home
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith(f"/centres/{staff.centre_code}/")


PAGES = [
    "/centres/{code}",
    "/centres/{code}/courses",
    "/centres/{code}/courses/new",
    "/centres/{code}/exams",
    "/centres/{code}/exams/new",
    "/centres/{code}/imports",
]
# Expected status per role for a centre that is not the user's own.
EXPECTED = {
    "officer": [200, 200, 403, 200, 403, 403],
    "auditor": [200, 200, 403, 200, 403, 403],
    "admin": [200, 200, 403, 200, 403, 403],
    "expert": [404, 404, 404, 404, 404, 404],
    "centre_staff": [404, 404, 404, 404, 404, 404],
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_who_may_open_another_centres_pages(app, client, login_as, role):
    with app.app_context():
        code = CentreFactory(code="KHAC").code
        db.session.commit()
    login_as(role)
    statuses = [client.get(page.format(code=code)).status_code for page in PAGES]
    assert statuses == EXPECTED[role]


def test_own_staff_open_every_page(app, client, login_as):
    staff = login_as("centre_staff")
    statuses = [client.get(page.format(code=staff.centre_code)).status_code for page in PAGES]
    assert statuses == [200] * len(PAGES)


def test_the_public_is_sent_to_sign_in(app, client):
    with app.app_context():
        code = CentreFactory().code
        db.session.commit()
    response = client.get(f"/centres/{code}/courses")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_unknown_centre_is_not_found(app, client, login_as):
    login_as("officer")
    assert client.get("/centres/KHONG-CO/courses").status_code == 404
