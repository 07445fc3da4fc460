"""Exam sessions: created by the centre's staff, with an examiner of that centre."""

from datetime import date

import pytest
import sqlalchemy as sa

from registry.auth.models import User
from registry.centres.models import TrainingCentre
from registry.exams.models import ExamSession
from registry.exams.service import ExamError, save_session
from registry.extensions import db
from tests.factories import (
    CentreFactory,
    CourseFactory,
    ExamResultFactory,
    ExamSessionFactory,
    staff_of,
)


def session_form(examiner_id, course_id=0, **overrides):
    data = {
        "course_id": str(course_id),
        "held_on": "2026-05-20",
        "examiner_id": str(examiner_id),
        "pass_mark": "70",
        "max_score": "100",
    }
    data.update(overrides)
    return data


def sessions(app):
    with app.app_context():
        return db.session.scalars(sa.select(ExamSession)).all()


def test_staff_create_a_session_for_their_centre(app, client, login_as):
    staff = login_as("centre_staff")
    with app.app_context():
        course = CourseFactory(centre=db.session.get(TrainingCentre, staff.centre_id))
        db.session.commit()
        course_id = course.id
    response = client.post(
        f"/centres/{staff.centre_code}/exams/new",
        data=session_form(staff.id, course_id=str(course_id)),
    )
    assert response.status_code == 302
    (created,) = sessions(app)
    assert created.centre_id == staff.centre_id
    assert created.course_id == course_id
    assert created.examiner_id == staff.id
    assert client.get(response.headers["Location"]).status_code == 200


def _refused(**overrides):
    centre = CentreFactory()
    staff = staff_of(centre)
    fields = {
        "course": CourseFactory(centre=centre),
        "held_on": date(2026, 5, 20),
        "examiner": staff,
        "pass_mark": 70,
        "max_score": 100,
    }
    fields.update({k: v(centre, staff) if callable(v) else v for k, v in overrides.items()})
    with pytest.raises(ExamError) as refused:
        save_session(centre, None, **fields, actor=staff)
    assert db.session.scalar(sa.select(sa.func.count(ExamSession.id))) == 0
    return str(refused.value)


def test_the_examiner_must_be_staff_of_the_centre(ctx_en):
    assert "active staff member of this centre" in _refused(
        examiner=lambda centre, staff: staff_of(CentreFactory())
    )
    assert "active staff member" in _refused(
        examiner=lambda centre, staff: staff_of(centre, active=False)
    )


def test_the_course_must_be_of_the_same_centre(ctx_en):
    assert "another centre" in _refused(course=lambda centre, staff: CourseFactory())


def test_a_session_always_belongs_to_a_course(ctx_en):
    assert "every session belongs to one" in _refused(course=None)


def test_the_session_form_requires_a_course_of_the_centre(app, client, login_as, english):
    staff = login_as("centre_staff")
    with app.app_context():
        theirs = CourseFactory().id  # a course of another centre
        db.session.commit()
    url = f"/centres/{staff.centre_code}/exams/new"
    page = client.get(url).text
    assert "Every session belongs to a course of the centre" in page
    without = client.post(url, data=session_form(staff.id))
    assert without.status_code == 200 and "This field is required." in without.text
    elsewhere = client.post(url, data=session_form(staff.id, course_id=theirs))
    assert elsewhere.status_code == 200 and "Not a valid choice" in elsewhere.text
    assert sessions(app) == []


@pytest.mark.parametrize(
    ("pass_mark", "max_score"), [(101, 100), (-1, 100), (0, 0)], ids=["above", "negative", "zero"]
)
def test_pass_mark_and_maximum_must_make_sense(ctx_en, pass_mark, max_score):
    _refused(pass_mark=pass_mark, max_score=max_score)


def test_a_session_with_results_is_fixed(ctx_en):
    result = ExamResultFactory()
    exam_session = result.session
    with pytest.raises(ExamError, match="can no longer be changed"):
        save_session(
            exam_session.centre,
            exam_session,
            course=exam_session.course,
            held_on=exam_session.held_on,
            examiner=exam_session.examiner,
            pass_mark=50,
            max_score=100,
            actor=exam_session.examiner,
        )
    db.session.refresh(exam_session)
    assert exam_session.pass_mark == 70


def test_other_centres_staff_cannot_read_or_create_sessions(app, client, login_as):
    with app.app_context():
        centre = CentreFactory(code="KHAC")
        exam_session = ExamSessionFactory(centre=centre)
        db.session.commit()
        session_id, examiner_id = exam_session.id, exam_session.examiner_id
    login_as("centre_staff")
    assert client.get("/centres/KHAC/exams").status_code == 404
    assert client.get(f"/centres/KHAC/exams/{session_id}").status_code == 404
    assert client.post("/centres/KHAC/exams/new", data=session_form(examiner_id)).status_code == 404
    edit = client.post(
        f"/centres/KHAC/exams/{session_id}/edit", data=session_form(examiner_id, pass_mark="10")
    )
    assert edit.status_code == 404
    (unchanged,) = sessions(app)
    assert unchanged.pass_mark == 70


def test_officers_read_sessions_but_create_none(app, client, login_as):
    with app.app_context():
        exam_session = ExamSessionFactory()
        db.session.commit()
        code, session_id = exam_session.centre.code, exam_session.id
        examiner_id = exam_session.examiner_id
    login_as("officer")
    assert client.get(f"/centres/{code}/exams").status_code == 200
    assert client.get(f"/centres/{code}/exams/{session_id}").status_code == 200
    assert (
        client.post(f"/centres/{code}/exams/new", data=session_form(examiner_id)).status_code == 403
    )
    assert len(sessions(app)) == 1


def test_staff_edit_a_session_without_results(app, client, login_as):
    staff = login_as("centre_staff")
    with app.app_context():
        centre = db.session.get(TrainingCentre, staff.centre_id)
        exam_session = ExamSessionFactory(centre=centre, examiner=db.session.get(User, staff.id))
        db.session.commit()
        session_id, course_id = exam_session.id, exam_session.course_id
    response = client.post(
        f"/centres/{staff.centre_code}/exams/{session_id}/edit",
        data=session_form(staff.id, course_id=course_id, pass_mark="60"),
    )
    assert response.status_code == 302
    assert sessions(app)[0].pass_mark == 60
