"""Rosters: enrolment, capacity, attendance, completion, and the step applied -> trained."""

import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.audit.service import verify_chain
from registry.centres.models import Course, Enrolment, TrainingCentre
from registry.centres.service import (
    CentreError,
    enrol,
    mark_trained,
    record_attendance,
    remove_enrolment,
)
from registry.enums import ExpertStatus
from registry.experts.lifecycle import Conflict
from registry.experts.models import Expert, StatusChange
from registry.extensions import db
from registry.targets.counting import today
from tests.factories import (
    CentreFactory,
    CourseFactory,
    EnrolmentFactory,
    ExpertFactory,
    staff_of,
    topic,
)

END = date(2026, 4, 10)  # CourseFactory's end date


def complete(enrolment, staff, hours=120, on=END):
    return record_attendance(
        enrolment, attended_hours=hours, completed=True, completed_on=on, actor=staff
    )


def history(expert):
    return db.session.scalars(
        sa.select(StatusChange).where(StatusChange.expert_id == expert.id)
    ).all()


# --- enrolment -------------------------------------------------------------------------


def test_enrolment_is_recorded_and_audited(ctx):
    course = CourseFactory()
    staff = staff_of(course.centre)
    expert = ExpertFactory()
    enrolment = enrol(course, expert, actor=staff)
    assert enrolment.attended_hours == 0 and not enrolment.completed
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "enrolment.created"))
    assert event.actor_id == staff.id and event.details["expert_id"] == expert.id


def test_capacity_is_enforced(ctx_en):
    course = CourseFactory(capacity=2)
    staff = staff_of(course.centre)
    enrol(course, ExpertFactory(), actor=staff)
    enrol(course, ExpertFactory(), actor=staff)
    with pytest.raises(CentreError, match="full"):
        enrol(course, ExpertFactory(), actor=staff)
    assert len(db.session.scalars(sa.select(Enrolment)).all()) == 2


def test_nobody_is_enrolled_twice(ctx_en):
    course = CourseFactory()
    staff = staff_of(course.centre)
    expert = ExpertFactory()
    enrol(course, expert, actor=staff)
    with pytest.raises(CentreError, match="already enrolled"):
        enrol(course, expert, actor=staff)


@pytest.mark.postgres
def test_two_enrolments_racing_for_the_last_place_leave_one_in(app, backend):
    if backend != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL")
    with app.app_context():
        course = CourseFactory(capacity=1)
        staff = staff_of(course.centre)
        experts = [ExpertFactory(), ExpertFactory()]
        db.session.commit()
        ids = course.id, staff.id, [e.id for e in experts]
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(expert_id):
        with app.app_context():
            from registry.auth.models import User
            from registry.centres.models import Course

            barrier.wait()
            try:
                enrol(
                    db.session.get(Course, ids[0]),
                    db.session.get(Expert, expert_id),
                    actor=db.session.get(User, ids[1]),
                )
                db.session.commit()
                outcomes.append("enrolled")
            except CentreError:
                db.session.rollback()
                outcomes.append("full")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in ids[2]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["enrolled", "full"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 1


# --- attendance and completion ---------------------------------------------------------


def test_hours_above_the_course_hours_are_refused(ctx_en):
    enrolment = EnrolmentFactory()
    staff = staff_of(enrolment.course.centre)
    with pytest.raises(CentreError, match="cannot exceed the course's 120 hours"):
        record_attendance(
            enrolment, attended_hours=121, completed=False, completed_on=None, actor=staff
        )
    with pytest.raises(CentreError, match="negative"):
        record_attendance(
            enrolment, attended_hours=-1, completed=False, completed_on=None, actor=staff
        )
    db.session.refresh(enrolment)
    assert enrolment.attended_hours == 0


def test_completion_before_the_course_ends_is_refused(ctx_en):
    enrolment = EnrolmentFactory()
    staff = staff_of(enrolment.course.centre)
    with pytest.raises(CentreError, match="before the course ends"):
        complete(enrolment, staff, on=END - timedelta(days=1))
    db.session.refresh(enrolment)
    assert not enrolment.completed
    assert enrolment.expert.status == ExpertStatus.APPLIED


def test_completion_in_the_future_or_undated_is_refused(ctx_en):
    course = CourseFactory(starts_on=today() - timedelta(days=10), ends_on=today())
    enrolment = EnrolmentFactory(course=course)
    staff = staff_of(course.centre)
    with pytest.raises(CentreError, match="future"):
        complete(enrolment, staff, on=today() + timedelta(days=1))
    with pytest.raises(CentreError, match="Give the completion date"):
        complete(enrolment, staff, on=None)
    assert complete(enrolment, staff, on=today()) is True  # the last day itself is fine


def test_a_recorded_completion_cannot_be_changed(ctx_en):
    enrolment = EnrolmentFactory()
    staff = staff_of(enrolment.course.centre)
    complete(enrolment, staff)
    with pytest.raises(CentreError, match="can no longer be changed"):
        complete(enrolment, staff, hours=100)
    with pytest.raises(CentreError, match="can no longer be changed"):
        remove_enrolment(enrolment, actor=staff)


def test_completing_the_expert_programme_moves_an_applicant_to_trained(ctx):
    enrolment = EnrolmentFactory()
    expert = enrolment.expert
    staff = staff_of(enrolment.course.centre)
    version = expert.version
    assert complete(enrolment, staff, hours=96) is True  # exactly 80 % of 120 hours
    assert enrolment.completion_recorded_by_id == staff.id
    assert expert.status == ExpertStatus.TRAINED
    assert expert.version == version + 1
    (change,) = history(expert)
    assert (change.from_status, change.to_status) == (ExpertStatus.APPLIED, ExpertStatus.TRAINED)
    assert change.actor_id == staff.id
    assert change.reason == f"Completed {enrolment.course.code}"
    assert change.evidence["enrolment_id"] == enrolment.id
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "expert.transition"))
    assert event.object_id == str(expert.id)
    assert event.details["from"] == "applied" and event.details["to"] == "trained"
    assert verify_chain().ok


def _stays_applied(enrolment, staff, **kwargs):
    assert complete(enrolment, staff, **kwargs) is False
    assert enrolment.completed  # the completion itself is recorded
    assert enrolment.expert.status == ExpertStatus.APPLIED
    assert history(enrolment.expert) == []


def test_attendance_below_80_percent_does_not_lead_to_trained(ctx):
    enrolment = EnrolmentFactory()
    _stays_applied(enrolment, staff_of(enrolment.course.centre), hours=95)


def test_a_course_outside_the_expert_programme_does_not_lead_to_trained(ctx):
    enrolment = EnrolmentFactory(course=CourseFactory(topic=topic("5s")))
    _stays_applied(enrolment, staff_of(enrolment.course.centre))


def test_a_centre_whose_approval_lapsed_does_not_train(ctx):
    centre = CentreFactory(approved_until=END - timedelta(days=1))
    enrolment = EnrolmentFactory(course=CourseFactory(centre=centre))
    _stays_applied(enrolment, staff_of(centre))


def test_an_inactive_centre_does_not_train(ctx):
    centre = CentreFactory(active=False)
    enrolment = EnrolmentFactory(course=CourseFactory(centre=centre))
    _stays_applied(enrolment, staff_of(centre))


@pytest.mark.parametrize("status", [ExpertStatus.TRAINED, ExpertStatus.REJECTED])
def test_an_expert_not_applied_stays_as_they_are(ctx, status):
    enrolment = EnrolmentFactory(expert=ExpertFactory(status=status))
    staff = staff_of(enrolment.course.centre)
    assert complete(enrolment, staff) is False
    assert enrolment.completed
    assert enrolment.expert.status == status
    assert history(enrolment.expert) == []


def test_mark_trained_writes_nothing_when_the_status_changed_meanwhile(ctx):
    enrolment = EnrolmentFactory()
    staff = staff_of(enrolment.course.centre)
    expert = enrolment.expert
    enrolment.attended_hours, enrolment.completed = 120, True
    enrolment.completed_on, enrolment.completion_recorded_by_id = END, staff.id
    db.session.flush()
    # Another request rejected the applicant; this session still holds them as `applied`.
    db.session.execute(
        sa.update(Expert)
        .where(Expert.id == expert.id)
        .values(status=ExpertStatus.REJECTED)
        .execution_options(synchronize_session=False)
    )
    assert expert.status == ExpertStatus.APPLIED  # stale in memory
    # The lifecycle's conditional write notices: a conflict (HTTP 409), nothing written.
    with pytest.raises(Conflict):
        mark_trained(expert, enrolment, staff)
    assert db.session.scalar(sa.select(Expert.status).where(Expert.id == expert.id)) == (
        ExpertStatus.REJECTED
    )
    assert history(expert) == []


def test_removing_someone_from_the_roster(ctx):
    enrolment = EnrolmentFactory()
    staff = staff_of(enrolment.course.centre)
    remove_enrolment(enrolment, actor=staff)
    assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 0
    assert db.session.scalar(
        sa.select(AuditEvent.id).where(AuditEvent.action == "enrolment.removed")
    )


# --- the roster pages ------------------------------------------------------------------


def _setup_course(app, centre_id, **kwargs):
    with app.app_context():
        centre = db.session.get(TrainingCentre, centre_id)
        course = CourseFactory(centre=centre, **kwargs)
        db.session.commit()
        return course.id


def test_roster_search_ignores_accents_and_finds_emails(app, client, login_as):
    staff = login_as("centre_staff")
    course_id = _setup_course(app, staff.centre_id)
    with app.app_context():
        ExpertFactory(full_name="Nguyễn Văn Thắng", email="thang@example.vn")
        ExpertFactory(full_name="Trần Thị Lan", email="lan@example.vn")
        db.session.commit()
    url = f"/centres/{staff.centre_code}/courses/{course_id}"
    assert "Nguyễn Văn Thắng" in client.get(url, query_string={"q": "nguyen van thang"}).text
    assert "Nguyễn Văn Thắng" in client.get(url, query_string={"q": "NGUYỄN"}).text
    found = client.get(url, query_string={"q": "LAN@example.vn"}).text
    assert "Trần Thị Lan" in found and "Nguyễn Văn Thắng" not in found


def test_staff_enrol_and_complete_through_the_pages(app, client, login_as):
    staff = login_as("centre_staff")
    course_id = _setup_course(app, staff.centre_id)
    with app.app_context():
        expert_id = ExpertFactory().id
        db.session.commit()
    base = f"/centres/{staff.centre_code}/courses/{course_id}"
    assert client.post(f"{base}/enrol", data={"expert_id": expert_id}).status_code == 302
    with app.app_context():
        enrolment_id = db.session.scalar(sa.select(Enrolment.id))
    response = client.post(
        f"{base}/enrolments/{enrolment_id}",
        data={"attended_hours": "110", "completed": "y", "completed_on": "2026-04-10"},
    )
    assert response.status_code == 302
    with app.app_context():
        enrolment = db.session.get(Enrolment, enrolment_id)
        assert enrolment.completed and enrolment.completion_recorded_by_id == staff.id
        assert enrolment.expert.status == ExpertStatus.TRAINED


def test_hours_above_the_course_are_refused_on_the_page(app, client, login_as, english):
    staff = login_as("centre_staff")
    course_id = _setup_course(app, staff.centre_id)
    with app.app_context():
        enrolment = EnrolmentFactory(course=db.session.get(Course, course_id))
        db.session.commit()
        enrolment_id = enrolment.id
    response = client.post(
        f"/centres/{staff.centre_code}/courses/{course_id}/enrolments/{enrolment_id}",
        data={"attended_hours": "500"},
    )
    assert "Attended hours cannot exceed the course&#39;s 120 hours." in response.text
    with app.app_context():
        assert db.session.get(Enrolment, enrolment_id).attended_hours == 0


def test_other_centres_staff_cannot_touch_a_roster(app, client, login_as):
    with app.app_context():
        centre = CentreFactory(code="KHAC")
        enrolment = EnrolmentFactory(course=CourseFactory(centre=centre))
        outsider = ExpertFactory()
        db.session.commit()
        course_id, enrolment_id, outsider_id = enrolment.course_id, enrolment.id, outsider.id
    login_as("centre_staff")
    base = f"/centres/KHAC/courses/{course_id}"
    assert client.get(base).status_code == 404
    assert client.post(f"{base}/enrol", data={"expert_id": outsider_id}).status_code == 404
    assert client.get(f"{base}/enrolments/{enrolment_id}").status_code == 404
    update = client.post(
        f"{base}/enrolments/{enrolment_id}",
        data={"attended_hours": "120", "completed": "y", "completed_on": "2026-04-10"},
    )
    assert update.status_code == 404
    assert client.post(f"{base}/enrolments/{enrolment_id}/remove").status_code == 404
    with app.app_context():
        (enrolment,) = db.session.scalars(sa.select(Enrolment)).all()
        assert enrolment.attended_hours == 0 and not enrolment.completed
        assert enrolment.expert.status == ExpertStatus.APPLIED


def test_an_actor_loaded_before_a_commit_still_records_a_completion(ctx):
    enrolment = EnrolmentFactory()
    staff = staff_of(enrolment.course.centre)
    db.session.commit()  # expires everything, as a commit earlier in a request would
    assert complete(enrolment, staff) is True
    assert enrolment.completion_recorded_by_id == staff.id
