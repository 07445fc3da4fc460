"""Exam results: recorded only by the session's examiner, score within 0..max, passed derived."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.auth.models import User
from registry.centres.models import TrainingCentre
from registry.exams.models import ExamResult, ExamSession
from registry.exams.service import ExamError, record_result
from registry.extensions import db
from registry.targets.counting import today
from tests.factories import ExamSessionFactory, ExpertFactory, examinee, staff_of


def results(app=None):
    query = sa.select(ExamResult.expert_id, ExamResult.score)
    if app is None:
        return db.session.execute(query).all()
    with app.app_context():
        return db.session.execute(query).all()


@pytest.mark.parametrize("score", [0, 69, 70, 100])
def test_scores_from_0_to_max_are_recorded_and_passed_is_derived(ctx, score):
    exam_session = ExamSessionFactory(pass_mark=70, max_score=100)
    result = record_result(exam_session, examinee(exam_session), score, actor=exam_session.examiner)
    assert result.score == score
    assert result.passed is (score >= 70)
    assert result.recorded_by_id == exam_session.examiner_id
    passed_in_sql = db.session.scalar(
        sa.select(ExamResult.passed).where(ExamResult.id == result.id)
    )
    assert bool(passed_in_sql) is (score >= 70)


@pytest.mark.parametrize("score", [-1, 101])
def test_scores_outside_0_to_max_are_refused(ctx_en, score):
    exam_session = ExamSessionFactory(max_score=100)
    with pytest.raises(ExamError, match="between 0 and 100"):
        record_result(exam_session, examinee(exam_session), score, actor=exam_session.examiner)
    assert results() == []


def test_only_the_sessions_examiner_records(ctx_en):
    exam_session = ExamSessionFactory()
    colleague = staff_of(exam_session.centre)  # same centre, not the examiner
    with pytest.raises(ExamError, match="Only the session's examiner"):
        record_result(exam_session, examinee(exam_session), 80, actor=colleague)
    assert results() == []


def test_results_wait_for_the_exam_day(ctx_en):
    exam_session = ExamSessionFactory(held_on=today() + timedelta(days=1))
    with pytest.raises(ExamError, match="from the day of the exam"):
        record_result(exam_session, examinee(exam_session), 80, actor=exam_session.examiner)
    exam_session.held_on = today()
    record_result(exam_session, examinee(exam_session), 80, actor=exam_session.examiner)


def test_a_second_score_corrects_the_first(ctx):
    exam_session = ExamSessionFactory()
    expert = examinee(exam_session)
    record_result(exam_session, expert, 60, actor=exam_session.examiner)
    record_result(exam_session, expert, 75, actor=exam_session.examiner)
    assert results() == [(expert.id, 75)]
    corrected = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "exam_result.corrected")
    )
    assert corrected.details["before"] == 60 and corrected.details["score"] == 75


# --- the session page ------------------------------------------------------------------


def _session_examined_by(app, account):
    with app.app_context():
        centre = db.session.get(TrainingCentre, account.centre_id)
        exam_session = ExamSessionFactory(centre=centre, examiner=db.session.get(User, account.id))
        expert = examinee(exam_session, email="thi.sinh@example.vn", full_name="Lê Thị Thu Trang")
        db.session.commit()
        return f"/centres/{centre.code}/exams/{exam_session.id}", expert.id


def test_the_examiner_records_a_result_on_the_page(app, client, login_as):
    examiner = login_as("centre_staff")
    url, expert_id = _session_examined_by(app, examiner)
    response = client.post(url, data={"email": "Thi.Sinh@Example.vn", "score": "82"})
    assert response.status_code == 302
    assert results(app) == [(expert_id, 82)]
    page = client.get(url).text
    assert "Lê Thị Thu Trang" in page and "82 / 100" in page


@pytest.mark.parametrize("score", ["-1", "101"])
def test_out_of_range_scores_are_refused_on_the_page(app, client, login_as, english, score):
    examiner = login_as("centre_staff")
    url, _expert_id = _session_examined_by(app, examiner)
    response = client.post(url, data={"email": "thi.sinh@example.vn", "score": score})
    assert response.status_code == 200
    assert "The score must be between 0 and 100." in response.text
    assert results(app) == []


def test_a_colleague_who_is_not_the_examiner_is_refused(app, client, login_as):
    with app.app_context():
        exam_session = ExamSessionFactory()
        ExpertFactory(email="thi.sinh@example.vn")
        db.session.commit()
        url = f"/centres/{exam_session.centre.code}/exams/{exam_session.id}"
        centre = exam_session.centre
    login_as("centre_staff", centre=centre)  # same centre, not the examiner
    assert client.get(url).status_code == 200  # a colleague reads the session
    response = client.post(url, data={"email": "thi.sinh@example.vn", "score": "90"})
    assert response.status_code == 403
    assert client.post(f"{url}/import").status_code == 403
    assert results(app) == []


@pytest.mark.parametrize("role", ["officer", "auditor"])
def test_the_directorate_records_no_result(app, client, login_as, role):
    with app.app_context():
        exam_session = ExamSessionFactory()
        ExpertFactory(email="thi.sinh@example.vn")
        db.session.commit()
        url = f"/centres/{exam_session.centre.code}/exams/{exam_session.id}"
    login_as(role)
    assert client.post(url, data={"email": "thi.sinh@example.vn", "score": "90"}).status_code == 403
    assert results(app) == []


def test_other_centres_staff_cannot_record(app, client, login_as):
    with app.app_context():
        exam_session = ExamSessionFactory()
        ExpertFactory(email="thi.sinh@example.vn")
        db.session.commit()
        url = f"/centres/{exam_session.centre.code}/exams/{exam_session.id}"
    login_as("centre_staff")
    assert client.get(url).status_code == 404
    assert client.post(url, data={"email": "thi.sinh@example.vn", "score": "90"}).status_code == 404
    assert results(app) == []


# --- results that hold ------------------------------------------------------------------


def test_a_person_not_on_the_courses_roster_gets_no_result(ctx_en):
    exam_session = ExamSessionFactory()
    elsewhere = ExpertFactory(full_name="Phạm Văn Ngoài")
    with pytest.raises(ExamError, match="not enrolled"):
        record_result(exam_session, elsewhere, 80, actor=exam_session.examiner)
    assert results() == []


def test_the_database_holds_no_session_without_a_course(ctx):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), db.session.begin_nested():
        ExamSessionFactory(course=None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExamSession)) == 0


def _decided_on(exam_session, score=80):
    """A result a status change relied on (its evidence names the result)."""
    from registry.enums import ExpertStatus
    from registry.experts.models import StatusChange

    expert = examinee(exam_session)
    result = record_result(exam_session, expert, score, actor=exam_session.examiner)
    db.session.add(
        StatusChange(
            expert_id=expert.id,
            from_status=ExpertStatus.TRAINED,
            to_status=ExpertStatus.CERTIFIED,
            evidence={"record": {"basis": "exam", "exam_result_id": result.id, "score": score}},
        )
    )
    db.session.flush()
    return expert, result


def test_a_result_a_decision_relied_on_is_frozen(ctx):
    exam_session = ExamSessionFactory()
    expert, result = _decided_on(exam_session)
    with pytest.raises(ExamError, match="quyết định"):
        record_result(exam_session, expert, 40, actor=exam_session.examiner)
    assert db.session.get(ExamResult, result.id).score == 80
    # The same score again is no change, and is accepted.
    record_result(exam_session, expert, 80, actor=exam_session.examiner)


def test_an_import_refuses_a_silent_change_of_a_frozen_result(ctx):
    from registry.exams.imports import import_results
    from tests.test_import_enrolments import rows_from_dicts

    exam_session = ExamSessionFactory()
    expert, result = _decided_on(exam_session)
    lower = rows_from_dicts([{"email": expert.email, "score": 40}])
    outcome = import_results(exam_session, lower, actor=exam_session.examiner)
    assert not outcome.ok
    assert "quyết định" in str(outcome.errors[0].message)
    assert db.session.get(ExamResult, result.id).score == 80


def test_an_import_refuses_a_person_not_on_the_roster(ctx):
    from registry.exams.imports import import_results
    from tests.test_import_enrolments import rows_from_dicts

    exam_session = ExamSessionFactory()
    elsewhere = ExpertFactory()
    outcome = import_results(
        exam_session,
        rows_from_dicts([{"email": elsewhere.email, "score": 90}]),
        actor=exam_session.examiner,
    )
    assert not outcome.ok
    assert results() == []
