"""Courses of a training centre: created and edited by its own staff only, listed, searched."""

import unicodedata
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.centres.models import Course, TrainingCentre
from registry.centres.service import CentreError, save_course
from registry.extensions import db
from registry.targets.counting import today
from tests.factories import CentreFactory, CourseFactory, EnrolmentFactory, staff_of, topic


def course_form(**overrides):
    data = {
        "code": "cg-2027",
        "title": "Chương trình đào tạo chuyên gia năng suất chất lượng 2027",
        "topic_id": "1",
        "level": "basic",
        "starts_on": "2027-03-01",
        "ends_on": "2027-04-15",
        "hours": "120",
        "capacity": "30",
        "trainers": "TS. Nguyễn Đình Phan; ThS. Lê Thu Hà",
    }
    data.update(overrides)
    return data


def make_course(app, centre_id, **kwargs):
    with app.app_context():
        course = CourseFactory(centre=db.session.get(TrainingCentre, centre_id), **kwargs)
        db.session.commit()
        return course.id


def course_count(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Course.id)))


def test_staff_create_a_course_of_their_centre(app, client, login_as):
    staff = login_as("centre_staff")
    response = client.post(f"/centres/{staff.centre_code}/courses/new", data=course_form())
    assert response.status_code == 302
    with app.app_context():
        course = db.session.scalar(sa.select(Course))
        assert course.centre_id == staff.centre_id
        assert course.code == "CG-2027"  # codes are kept in capitals
        assert course.topic.code == "pq_expert_basic"
        assert course.created_by_id == staff.id
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "course.created")
        )
        assert event.actor_id == staff.id and event.details["code"] == "CG-2027"
    page = client.get(response.headers["Location"])
    assert "CG-2027" in page.text and "TS. Nguyễn Đình Phan" in page.text


def test_course_text_with_combining_marks_is_stored_nfc(app, client, login_as):
    staff = login_as("centre_staff")
    title = unicodedata.normalize("NFD", "Quản lý chất lượng toàn diện")
    trainers = unicodedata.normalize("NFD", "PGS. TS. Trần Thị Hồng Nhung")
    assert title != unicodedata.normalize("NFC", title)
    client.post(
        f"/centres/{staff.centre_code}/courses/new",
        data=course_form(title=title, trainers=trainers),
    )
    with app.app_context():
        course = db.session.scalar(sa.select(Course))
        assert course.title == "Quản lý chất lượng toàn diện"
        assert course.title == unicodedata.normalize("NFC", course.title)
        assert course.trainers == "PGS. TS. Trần Thị Hồng Nhung"


def test_a_course_cannot_end_before_it_starts(app, client, login_as, english):
    staff = login_as("centre_staff")
    response = client.post(
        f"/centres/{staff.centre_code}/courses/new",
        data=course_form(starts_on="2027-04-15", ends_on="2027-03-01"),
    )
    assert response.status_code == 200
    assert "The course cannot end before it starts." in response.text
    assert course_count(app) == 0


@pytest.mark.parametrize("field", ["hours", "capacity"])
def test_a_course_needs_hours_and_places(app, client, login_as, field):
    staff = login_as("centre_staff")
    response = client.post(
        f"/centres/{staff.centre_code}/courses/new", data=course_form(**{field: "0"})
    )
    assert response.status_code == 200
    assert course_count(app) == 0


def test_course_codes_are_unique_within_a_centre_only(app, client, login_as, english):
    staff = login_as("centre_staff")
    with app.app_context():
        CourseFactory(code="CG-2027")  # another centre may use the same code
        db.session.commit()
    assert (
        client.post(f"/centres/{staff.centre_code}/courses/new", data=course_form()).status_code
        == 302
    )
    again = client.post(f"/centres/{staff.centre_code}/courses/new", data=course_form())
    assert "already has the code CG-2027" in again.text
    assert course_count(app) == 2


def test_the_same_code_saved_at_the_same_moment_gets_the_message_not_an_error(
    app, backend, client, login_as, english
):
    """Two people create course CG-2027 at once: both pass the check for an existing code,
    the database's unique constraint stops the second, who reads the usual message."""
    if backend == "sqlite":
        pytest.skip("real concurrency needs PostgreSQL (SQLite writes one request at a time)")
    staff = login_as("centre_staff")
    first_id = make_course(app, staff.centre_id, code="KH-1")
    columns = [c.name for c in Course.__table__.columns if c.name != "id"]
    copied = ", ".join("'CG-2027'" if name == "code" else name for name in columns)
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(Course, "before_insert", once=True)
    def someone_else_saves_first(_mapper, _connection, _target):
        with engine.begin() as other:
            other.execute(
                sa.text(
                    f"INSERT INTO courses ({', '.join(columns)}) "
                    f"SELECT {copied} FROM courses WHERE id = :id"
                ),
                {"id": first_id},
            )

    response = client.post(f"/centres/{staff.centre_code}/courses/new", data=course_form())
    assert response.status_code == 200
    assert "already has the code CG-2027" in response.text
    assert course_count(app) == 2  # KH-1 and the other person's CG-2027


def test_staff_edit_their_course(app, client, login_as):
    staff = login_as("centre_staff")
    course_id = make_course(app, staff.centre_id, code="KH-1", capacity=10)
    response = client.post(
        f"/centres/{staff.centre_code}/courses/{course_id}/edit",
        data=course_form(code="KH-1", capacity="25"),
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Course, course_id).capacity == 25
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "course.updated")
        )
        assert event.details["before"]["capacity"] == 10
        assert event.details["after"]["capacity"] == 25


def test_capacity_cannot_drop_below_the_enrolled(ctx_en):
    course = CourseFactory(capacity=3)
    for _ in range(3):
        EnrolmentFactory(course=course)
    staff = staff_of(course.centre)
    with pytest.raises(CentreError, match="3 people are already enrolled"):
        save_course(course.centre, course, **_fields(course, capacity=2), actor=staff)


def test_hours_of_a_course_with_completions_are_fixed(ctx_en):
    course = CourseFactory()
    staff = staff_of(course.centre)
    EnrolmentFactory(
        course=course,
        attended_hours=100,
        completed=True,
        completed_on=course.ends_on,
        completion_recorded_by_id=staff.id,
    )
    with pytest.raises(CentreError, match="shorter"):
        save_course(course.centre, course, **_fields(course, hours=90), actor=staff)
    with pytest.raises(CentreError, match="fixed"):
        save_course(course.centre, course, **_fields(course, hours=130), actor=staff)
    with pytest.raises(CentreError, match="fixed"):
        save_course(course.centre, course, **_fields(course, topic=topic("5s")), actor=staff)
    # The title and the capacity may still change.
    save_course(
        course.centre, course, **_fields(course, title="Khóa mới", capacity=40), actor=staff
    )
    assert course.capacity == 40


def _fields(course, **overrides):
    fields = {
        "code": course.code,
        "title": course.title,
        "topic": course.topic,
        "level": course.level,
        "starts_on": course.starts_on,
        "ends_on": course.ends_on,
        "hours": course.hours,
        "capacity": course.capacity,
        "trainers": course.trainers,
    }
    fields.update(overrides)
    return fields


def test_other_centres_staff_can_neither_read_nor_change_a_course(app, client, login_as):
    with app.app_context():
        other = CentreFactory(code="KHAC")
        db.session.commit()
        other_id = other.id
    course_id = make_course(app, other_id, code="KH-9", capacity=10)
    login_as("centre_staff")
    assert client.get("/centres/KHAC/courses").status_code == 404
    assert client.get(f"/centres/KHAC/courses/{course_id}").status_code == 404
    assert client.post("/centres/KHAC/courses/new", data=course_form()).status_code == 404
    edit = client.post(
        f"/centres/KHAC/courses/{course_id}/edit", data=course_form(code="KH-9", capacity="99")
    )
    assert edit.status_code == 404
    with app.app_context():
        assert db.session.get(Course, course_id).capacity == 10
        assert db.session.scalar(sa.select(sa.func.count(Course.id))) == 1


def test_a_course_seen_through_ones_own_centre_url_is_not_found(app, client, login_as):
    staff = login_as("centre_staff")
    foreign = make_course(app, new_centre_id(app), code="KH-X")
    assert client.get(f"/centres/{staff.centre_code}/courses/{foreign}").status_code == 404
    response = client.post(
        f"/centres/{staff.centre_code}/courses/{foreign}/edit", data=course_form(code="KH-X")
    )
    assert response.status_code == 404


def new_centre_id(app):
    with app.app_context():
        centre = CentreFactory()
        db.session.commit()
        return centre.id


@pytest.mark.parametrize("role", ["officer", "auditor"])
def test_the_directorate_reads_but_does_not_change(app, client, login_as, role):
    centre_id = new_centre_id(app)
    course_id = make_course(app, centre_id, code="KH-D")
    with app.app_context():
        code = db.session.get(TrainingCentre, centre_id).code
    login_as(role)
    assert client.get(f"/centres/{code}/courses").status_code == 200
    assert client.get(f"/centres/{code}/courses/{course_id}").status_code == 200
    assert client.post(f"/centres/{code}/courses/new", data=course_form()).status_code == 403
    assert course_count(app) == 1


def test_courses_are_searched_without_accents_and_filtered(app, client, login_as):
    staff = login_as("centre_staff")
    on = today()
    with app.app_context():
        centre = db.session.get(TrainingCentre, staff.centre_id)
        CourseFactory(centre=centre, code="CG-1", title="Chuyên gia năng suất chất lượng")
        CourseFactory(
            centre=centre,
            code="5S-1",
            title="Thực hành 5S tại doanh nghiệp",
            topic=topic("5s"),
            starts_on=on - timedelta(days=2),
            ends_on=on + timedelta(days=2),
        )
        CourseFactory(
            centre=centre,
            code="KZ-1",
            title="Cải tiến Kaizen",
            topic=topic("kaizen"),
            starts_on=on + timedelta(days=30),
            ends_on=on + timedelta(days=40),
        )
        kaizen_id = topic("kaizen").id
        db.session.commit()
    url = f"/centres/{staff.centre_code}/courses"

    def codes(**params):
        text = client.get(url, query_string=params).text
        return {code for code in ("CG-1", "5S-1", "KZ-1") if f">{code}<" in text}

    assert codes() == {"CG-1", "5S-1", "KZ-1"}
    assert codes(q="nang suat") == {"CG-1"}
    assert codes(q="CẢI TIẾN") == {"KZ-1"}
    assert codes(topic=kaizen_id) == {"KZ-1"}
    assert codes(state="running") == {"5S-1"}
    assert codes(state="upcoming") == {"KZ-1"}
    assert codes(year=2026) >= {"CG-1"}
    assert codes(level="advanced") == set()


def test_course_dates_default_fixture_is_in_the_past():
    # Several tests rely on the factory's course having ended before today.
    assert date(2026, 4, 10) < today()
