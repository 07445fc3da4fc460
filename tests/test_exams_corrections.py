"""Corrections of frozen results: asked by the examiner with a reason, applied only when an
independent officer approves, shown on the decision's record and on the anomaly page."""

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.auth.models import User
from registry.enums import RequestStatus, Role
from registry.exams.corrections import request_correction, review_correction
from registry.exams.imports import import_results
from registry.exams.models import ExamResult, ExamResultCorrection
from registry.exams.service import ExamError
from registry.extensions import db
from tests.conftest import sign_in
from tests.factories import (
    EnrolmentFactory,
    ExamResultFactory,
    UserFactory,
    Walk,
    examinee,
    staff_of,
)
from tests.test_import_enrolments import rows_from_dicts

REASON = "Chấm phúc khảo: câu 7 bị cộng nhầm 2 điểm"


def _frozen():
    """(walk, result): a certification decision by walk.officer relied on the result (80),
    examined by walk.staff."""
    walk = Walk()
    expert = walk.certified()
    result = db.session.scalar(sa.select(ExamResult).where(ExamResult.expert_id == expert.id))
    EnrolmentFactory(course=result.session.course, expert=expert)  # on the session's roster
    return walk, result


def _score(result_id):
    return db.session.scalar(sa.select(ExamResult.score).where(ExamResult.id == result_id))


def _events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def _corrections():
    return db.session.scalars(sa.select(ExamResultCorrection)).all()


# --- asking -------------------------------------------------------------------------------


def test_a_correction_waits_for_review_and_changes_nothing_yet(ctx):
    walk, result = _frozen()
    correction = request_correction(result, 60, REASON, actor=walk.staff)
    assert correction.status == RequestStatus.PENDING
    assert (correction.old_score, correction.new_score, correction.reason) == (80, 60, REASON)
    assert _score(result.id) == 80
    (asked,) = _events("exam_result.correction_requested")
    assert asked.details["new_score"] == 60 and asked.details["reason"] == REASON


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_correction_without_a_reason_is_refused(ctx_en, reason):
    walk, result = _frozen()
    with pytest.raises(ExamError, match="Give the reason"):
        request_correction(result, 60, reason, actor=walk.staff)
    assert _corrections() == []


def test_only_the_examiner_asks_and_only_for_a_frozen_result(ctx_en):
    walk, result = _frozen()
    with pytest.raises(ExamError, match="Only the session's examiner"):
        request_correction(result, 60, REASON, actor=staff_of(walk.centre))
    with pytest.raises(ExamError, match="between 0 and 100"):
        request_correction(result, 101, REASON, actor=walk.staff)
    with pytest.raises(ExamError, match="already recorded"):
        request_correction(result, 80, REASON, actor=walk.staff)
    request_correction(result, 60, REASON, actor=walk.staff)
    with pytest.raises(ExamError, match="already waits"):
        request_correction(result, 70, REASON, actor=walk.staff)
    assert len(_corrections()) == 1


def test_a_result_no_decision_relied_on_needs_no_review(ctx_en):
    walk, result = _frozen()
    free = ExamResultFactory(session=result.session)  # nobody decided on this one
    with pytest.raises(ExamError, match="No decision relied on this result"):
        request_correction(free, 60, REASON, actor=walk.staff)
    assert _corrections() == []


# --- reviewing ----------------------------------------------------------------------------


def test_an_approved_correction_changes_the_score_and_is_audited(ctx):
    walk, result = _frozen()
    correction = request_correction(result, 60, REASON, actor=walk.staff)
    reviewer = UserFactory(role=Role.OFFICER)
    review_correction(correction, approve=True, note=None, actor=reviewer)
    assert _score(result.id) == 60
    assert correction.status == RequestStatus.APPROVED and correction.decided_by_id == reviewer.id
    (approved,) = _events("exam_result.correction_approved")
    assert approved.actor_id == reviewer.id
    assert (approved.details["before"], approved.details["score"]) == (80, 60)
    assert approved.details["passed"] is False and approved.details["reason"] == REASON


def test_a_refused_correction_changes_nothing_and_keeps_the_reason(ctx_en):
    walk, result = _frozen()
    correction = request_correction(result, 60, REASON, actor=walk.staff)
    reviewer = UserFactory(role=Role.OFFICER)
    with pytest.raises(ExamError, match="reason for refusing"):
        review_correction(correction, approve=False, note=" ", actor=reviewer)
    assert correction.status == RequestStatus.PENDING
    review_correction(correction, approve=False, note="Bài thi gốc cho 80 điểm", actor=reviewer)
    assert _score(result.id) == 80
    assert correction.status == RequestStatus.REFUSED
    assert correction.review_note == "Bài thi gốc cho 80 điểm"
    (refused,) = _events("exam_result.correction_refused")
    assert refused.details["note"] == "Bài thi gốc cho 80 điểm" and refused.details["score"] == 80


def test_a_correction_is_reviewed_once(ctx):
    from registry.experts.lifecycle import Conflict

    walk, result = _frozen()
    correction = request_correction(result, 60, REASON, actor=walk.staff)
    reviewer = UserFactory(role=Role.OFFICER)
    review_correction(correction, approve=False, note="Không có căn cứ", actor=reviewer)
    with pytest.raises(Conflict):
        review_correction(correction, approve=True, note=None, actor=UserFactory(role="officer"))
    assert _score(result.id) == 80


def test_separation_of_duties_in_the_review(ctx_en):
    walk, result = _frozen()
    correction = request_correction(result, 60, REASON, actor=walk.staff)
    # The officer whose decision relied on the result does not judge its correction.
    with pytest.raises(ExamError, match="you took a decision that relied on this result"):
        review_correction(correction, approve=True, note=None, actor=walk.officer)
    # Nor does the examiner who asked, even once made an officer; nor an auditor.
    walk.staff.role = Role.OFFICER
    walk.staff.centre_id = None
    db.session.flush()
    with pytest.raises(ExamError, match="you asked for this correction"):
        review_correction(correction, approve=True, note=None, actor=walk.staff)
    with pytest.raises(ExamError, match="Only a certification officer"):
        review_correction(correction, approve=True, note=None, actor=UserFactory(role="auditor"))
    assert _score(result.id) == 80 and correction.status == RequestStatus.PENDING
    assert _events("exam_result.correction_approved") == []


# --- the import ---------------------------------------------------------------------------


def test_an_import_refuses_a_changed_frozen_result_per_row_and_writes_nothing(ctx_en):
    walk, result = _frozen()
    exam_session = result.session
    newcomer = examinee(exam_session)
    rows = rows_from_dicts(
        [
            {"email": newcomer.email, "score": 90},
            {"email": result.expert.email, "score": 40},
        ]
    )
    outcome = import_results(exam_session, rows, actor=walk.staff)
    assert not outcome.ok
    (error,) = outcome.errors
    assert error.row == 2 and error.column.key == "score"
    assert "frozen" in str(error.message) and "Request a correction" in str(error.message)
    assert _score(result.id) == 80
    assert db.session.scalar(sa.select(sa.func.count(ExamResult.id))) == 1  # newcomer: not written
    assert _events("exam_results.imported") == []
    # The same score again is no change: the file goes through.
    same = rows_from_dicts([{"email": result.expert.email, "score": 80}])
    assert import_results(exam_session, same, actor=walk.staff).ok


# --- the pages ----------------------------------------------------------------------------


def _frozen_committed(app):
    with app.app_context():
        walk, result = _frozen()
        db.session.commit()
        session = result.session
        return {
            "url": f"/centres/{session.centre.code}/exams/{session.id}",
            "correction": (
                f"/centres/{session.centre.code}/exams/{session.id}/results/{result.id}/correction"
            ),
            "result_id": result.id,
            "expert_id": result.expert_id,
            "staff": walk.staff.email,
            "officer": walk.officer.email,
            "centre_id": walk.centre.id,
        }


def _score_in(app, result_id):
    with app.app_context():
        return _score(result_id)


def test_the_examiner_asks_on_the_page_and_an_officer_approves(app, client, login_as, english):
    frozen = _frozen_committed(app)
    sign_in(client, frozen["staff"])
    client.get("/lang/en")
    session_page = client.get(frozen["url"]).text
    assert "Frozen: a decision relied on it" in session_page
    assert frozen["correction"] in session_page
    # The same page refuses a new score for it, and says where to go.
    direct = client.post(frozen["url"], data={"email": _email(app, frozen), "score": "60"})
    assert "Request a correction" in direct.text and _score_in(app, frozen["result_id"]) == 80
    no_reason = client.post(frozen["correction"], data={"score": "60", "reason": ""})
    assert no_reason.status_code == 422 and "This field is required." in no_reason.text
    asked = client.post(frozen["correction"], data={"score": "60", "reason": REASON})
    assert asked.status_code == 302
    assert _score_in(app, frozen["result_id"]) == 80  # not before an officer approves
    assert "Waiting for a decision" in client.get(frozen["url"]).text

    client.post("/logout")
    login_as("officer")
    client.get("/lang/en")
    queue = client.get("/directorate/queue/result_corrections").text
    assert REASON in queue
    with app.app_context():
        correction_id = db.session.scalar(sa.select(ExamResultCorrection.id))
    review = f"/directorate/result-corrections/{correction_id}"
    assert "80 → 60" in client.get(review).text
    assert client.post(review, data={"approve": "Approve", "note": ""}).status_code == 302
    assert _score_in(app, frozen["result_id"]) == 60
    assert REASON not in client.get("/directorate/queue/result_corrections").text
    # The decision's record shows the correction to the directorate.
    record = client.get(f"/experts/{frozen['expert_id']}").text
    assert "Score correction 80 → 60" in record and "Approved" in record and REASON in record


def _email(app, frozen):
    from registry.experts.models import Expert

    with app.app_context():
        return db.session.get(Expert, frozen["expert_id"]).email


def test_the_deciding_officer_cannot_review_on_the_page(app, client, english):
    frozen = _frozen_committed(app)
    with app.app_context():
        result = db.session.get(ExamResult, frozen["result_id"])
        examiner = db.session.scalar(sa.select(User).where(User.email == frozen["staff"]))
        correction = request_correction(result, 60, REASON, actor=examiner)
        db.session.commit()
        review = f"/directorate/result-corrections/{correction.id}"
    sign_in(client, frozen["officer"])
    client.get("/lang/en")
    page = client.get(review)
    assert page.status_code == 200 and "Separation of duties" in page.text
    refused = client.post(review, data={"approve": "Approve", "note": ""})
    assert refused.status_code == 403 and "Separation of duties" in refused.text
    assert _score_in(app, frozen["result_id"]) == 80
    with app.app_context():
        assert _corrections()[0].status == RequestStatus.PENDING


def test_a_refusal_on_the_page_takes_a_reason(app, client, login_as, english):
    frozen = _frozen_committed(app)
    with app.app_context():
        result = db.session.get(ExamResult, frozen["result_id"])
        examiner = db.session.scalar(sa.select(User).where(User.email == frozen["staff"]))
        review = f"/directorate/result-corrections/{request_correction(result, 60, REASON, actor=examiner).id}"
        db.session.commit()
    login_as("officer")
    client.get("/lang/en")
    bare = client.post(review, data={"refuse": "Refuse", "note": ""})
    assert bare.status_code == 422 and "Give the reason for refusing" in bare.text
    assert (
        client.post(review, data={"refuse": "Refuse", "note": "Không có căn cứ"}).status_code == 302
    )
    assert _score_in(app, frozen["result_id"]) == 80
    with app.app_context():
        assert _corrections()[0].status == RequestStatus.REFUSED


def test_staff_of_another_centre_get_404(app, client, login_as):
    frozen = _frozen_committed(app)
    login_as("centre_staff")
    assert client.get(frozen["correction"]).status_code == 404
    posted = client.post(frozen["correction"], data={"score": "60", "reason": REASON})
    assert posted.status_code == 404
    with app.app_context():
        assert _corrections() == []


def test_a_colleague_who_is_not_the_examiner_cannot_ask(app, client, login_as):
    frozen = _frozen_committed(app)
    login_as("centre_staff", centre_id=frozen["centre_id"])
    posted = client.post(frozen["correction"], data={"score": "60", "reason": REASON})
    assert posted.status_code == 403
    with app.app_context():
        assert _corrections() == []


def test_the_anomaly_page_lists_every_correction(app, client, login_as, english):
    with app.app_context():
        names = []
        for decision in ("pending", "approved", "refused"):
            walk, result = _frozen()
            correction = request_correction(result, 50, f"{REASON} ({decision})", actor=walk.staff)
            if decision != "pending":
                review_correction(
                    correction,
                    approve=decision == "approved",
                    note="Đã xem bài thi gốc",
                    actor=UserFactory(role=Role.OFFICER),
                )
            names.append(result.expert.full_name)
        db.session.commit()
    login_as("auditor")
    client.get("/lang/en")
    page = client.get("/audit/anomalies").text
    section = page[page.index('id="result-corrections"') :]
    for decision in ("pending", "approved", "refused"):
        assert f"{REASON} ({decision})" in section
    assert all(name in section for name in names)
    assert "Waiting for a decision" in section and "Approved" in section and "Refused" in section


def test_officers_who_may_review_are_told_by_mail(ctx):
    from registry.mail.models import OutboxMessage

    walk, result = _frozen()
    independent = UserFactory(role=Role.OFFICER)
    correction = request_correction(result, 60, REASON, actor=walk.staff)
    messages = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "result_correction")
    ).all()
    # Not the officer whose decision relied on the result: they may not review it.
    assert [m.to_address for m in messages] == [independent.email]
    (message,) = messages
    assert message.locale == "vi" and REASON in message.body_text
    assert f"/directorate/result-corrections/{correction.id}" in message.body_text


def test_the_api_refuses_a_changed_frozen_result(app, client, api_as):
    with app.app_context():
        walk, result = _frozen()
        db.session.commit()
        centre_id, session_id, result_id = walk.centre.id, result.session_id, result.id
        expert_id = result.expert_id
    account, headers = api_as("centre_staff", centre_id=centre_id)
    with app.app_context():
        db.session.get(ExamResult, result_id).session.examiner_id = account.id
        db.session.commit()
    url = f"/api/v1/exam-sessions/{session_id}/results"
    refused = client.post(url, json=[{"expert_id": expert_id, "score": 40}], headers=headers)
    assert refused.status_code == 409
    assert _score_in(app, result_id) == 80
    same = client.post(url, json=[{"expert_id": expert_id, "score": 80}], headers=headers)
    assert same.status_code == 200
