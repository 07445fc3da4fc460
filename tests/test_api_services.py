"""The API endpoints over the lifecycle, centres, exams and certificates services: what they
do when allowed, and that refusals and bad input answer a 4xx and write nothing."""

import hashlib
from pathlib import Path

import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.auth.models import User
from registry.centres.models import Course, Enrolment
from registry.enums import ExpertStatus
from registry.exams.models import ExamResult, ExamSession
from registry.experts.models import Expert
from registry.extensions import db
from tests.factories import (
    CentreFactory,
    CourseFactory,
    ExamSessionFactory,
    ExpertFactory,
    Walk,
    examinee,
    issued_certificate,
    passing_exam,
)
from tests.test_api_permissions import APPLICATION, COURSE


def _count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _staff(app, api_as):
    with app.app_context():
        centre_id = CentreFactory().id
        db.session.commit()
    return api_as("centre_staff", centre_id=centre_id)


# -- apply ------------------------------------------------------------------------------


def test_an_officer_applies_on_behalf_and_gets_the_record_as_stored(client, api_as):
    _, officer = api_as("officer")
    body = {**APPLICATION, "full_name": "  Lê Văn Ứng ", "email": "Ung.Le@Example.vn"}
    response = client.post("/api/v1/experts", json=body, headers=officer)
    assert response.status_code == 201
    expert = response.json
    assert expert["status"] == "applied"
    assert (expert["full_name"], expert["email"]) == ("Lê Văn Ứng", "ung.le@example.vn")
    assert [h["to"] for h in expert["history"]] == ["applied"]
    again = client.post("/api/v1/experts", json=body, headers=officer)
    assert again.status_code == 409  # the same person


def test_an_expert_applies_for_themself_under_their_account_email(app, client, api_as):
    account, headers = api_as("expert")
    response = client.post(
        "/api/v1/experts", json={**APPLICATION, "email": "someone@else.vn"}, headers=headers
    )
    assert response.status_code == 201
    assert response.json["email"] == account.email


def test_refused_applications_write_nothing(app, client, api_as):
    _, officer = api_as("officer")
    _, auditor = api_as("auditor")
    cases = [
        (auditor, APPLICATION, 403),
        (officer, {**APPLICATION, "full_name": "<b>Lê</b>"}, 422),
        (officer, {**APPLICATION, "years_experience": "9"}, 422),
        (officer, {k: v for k, v in APPLICATION.items() if k != "email"}, 422),
        (officer, {**APPLICATION, "consent_scheme_rules": False}, 422),  # the service's rule
        (officer, {**APPLICATION, "date_of_birth": "2999-01-01"}, 422),
    ]
    for headers, body, status in cases:
        response = client.post("/api/v1/experts", json=body, headers=headers)
        assert response.status_code == status, body
        assert response.json["error"]["message"]
    assert client.post("/api/v1/experts", data="{", headers=officer).status_code == 415
    bad_json = {**officer, "Content-Type": "application/json"}
    assert client.post("/api/v1/experts", data="{", headers=bad_json).status_code == 400
    assert _count(app, Expert) == 0


# -- transitions ------------------------------------------------------------------------


def test_certifying_through_the_api_answers_with_the_new_certificate(app, client, api_as):
    _, officer = api_as("officer")
    with app.app_context():
        walk = Walk()
        expert, _enrolment = walk.trained()
        passing_exam(expert, centre=walk.centre, examiner=walk.staff)
        db.session.commit()
        expert_id = expert.id
    url = f"/api/v1/experts/{expert_id}/transitions"
    response = client.post(url, json={"to": "certified"}, headers=officer)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "certified"
    certificate = response.json["certificate"]
    assert certificate["level"] == "national" and certificate["status"] == "valid"
    assert certificate["number"].startswith("NSCL-QG-")
    # Asked twice, the same decision is illegal now (certified -> certified is a renewal
    # whose guard is unmet): 409, nothing written.
    again = client.post(url, json={"to": "trained"}, headers=officer)
    assert again.status_code == 409


def test_suspending_through_the_api_takes_a_review_date_as_evidence(app, client, api_as):
    _, officer = api_as("officer")
    with app.app_context():
        expert_id = issued_certificate().expert_id
        db.session.commit()
    url = f"/api/v1/experts/{expert_id}/transitions"
    body = {"to": "suspended", "reason": "Khiếu nại đang xem xét"}
    for evidence, status in [
        (None, 422),  # the guard wants a review date and a public reason code
        ({"review_on": "2000-01-01"}, 422),  # in the past
        ({"review_on": "next week"}, 422),  # not a date
        ({"review_on": "2999-01-01", "nickname": "x"}, 422),  # unknown evidence
        ({"review_on": "2999-01-01", "reason_code": "rumours"}, 422),  # not a public code
    ]:
        response = client.post(url, json=body | {"evidence": evidence}, headers=officer)
        assert response.status_code == status, (evidence, response.json)
    evidence = {"review_on": "2999-01-01", "reason_code": "under_review_after_complaint"}
    response = client.post(url, json=body | {"evidence": evidence}, headers=officer)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "suspended"
    assert response.json["history"][-1]["evidence"] == {"review_on": "2999-01-01"}
    with app.app_context():
        expert = db.session.get(Expert, expert_id)
        assert expert.status == ExpertStatus.SUSPENDED
        assert [c.status.value for c in expert.certificates] == ["suspended"]


def test_transition_refusals_map_to_403_409_422_and_write_nothing(app, client, api_as):
    _, officer = api_as("officer")
    _, expert_headers = api_as("expert")
    _, auditor = api_as("auditor")
    with app.app_context():
        expert_id = ExpertFactory().id
        db.session.commit()
    url = f"/api/v1/experts/{expert_id}/transitions"
    cases = [
        (auditor, {"to": "rejected", "reason": "x"}, 403),  # sees the expert, may not decide
        (expert_headers, {"to": "rejected", "reason": "x"}, 404),  # someone they cannot see
        (officer, {"to": "certified"}, 409),  # illegal from applied
        (officer, {"to": "rejected"}, 422),  # a rejection needs its reason
        (officer, {"to": "flying"}, 422),
        (officer, {"to": "rejected", "reason": "ok", "extra": 1}, 422),
    ]
    for headers, body, status in cases:
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == status, (body, response.json)
    with app.app_context():
        expert = db.session.get(Expert, expert_id)
        assert expert.status == ExpertStatus.APPLIED and len(expert.history) == 0


# -- courses, enrolments, exams -----------------------------------------------------------


def test_centre_staff_create_a_course_and_list_only_their_own(app, client, api_as):
    _, staff = _staff(app, api_as)
    with app.app_context():
        CourseFactory()  # another centre's
        db.session.commit()
    response = client.post("/api/v1/courses", json=COURSE, headers=staff)
    assert response.status_code == 201
    assert response.json["code"] == "API-01" and response.json["topic"] == "pq_expert_basic"
    listed = client.get("/api/v1/courses", headers=staff).json
    assert [c["id"] for c in listed["items"]] == [response.json["id"]]
    _, officer = api_as("officer")
    assert client.get("/api/v1/courses", headers=officer).json["total"] == 2


def test_bad_courses_are_refused_and_not_written(app, client, api_as):
    _, staff = _staff(app, api_as)
    for body, status in [
        ({**COURSE, "ends_on": "2026-08-01"}, 422),  # the service's rule
        ({**COURSE, "topic": "nope"}, 422),
        ({**COURSE, "hours": 0}, 422),
        ({**COURSE, "capacity": True}, 422),
    ]:
        response = client.post("/api/v1/courses", json=body, headers=staff)
        assert response.status_code == status, body
    assert _count(app, Course) == 0


def test_completing_the_expert_programme_moves_the_expert_to_trained(app, client, api_as):
    account, staff = _staff(app, api_as)
    with app.app_context():
        course = CourseFactory(centre=db.session.get(User, account.id).centre, capacity=1)
        expert_id, other_id = ExpertFactory().id, ExpertFactory().id
        db.session.commit()
        course_id = course.id
    url = f"/api/v1/courses/{course_id}/enrolments"
    enrolled = client.post(url, json={"expert_id": expert_id}, headers=staff)
    assert enrolled.status_code == 201
    full = client.post(url, json={"expert_id": other_id}, headers=staff)
    assert full.status_code == 409  # one place only
    unknown = client.post(url, json={"expert_id": 99999}, headers=staff)
    assert unknown.status_code == 422 and "expert_id" in unknown.json["error"]["fields"]
    patch = f"/api/v1/enrolments/{enrolled.json['id']}"
    too_many = client.patch(patch, json={"attended_hours": 500}, headers=staff)
    assert too_many.status_code == 409
    done = client.patch(
        patch,
        json={"attended_hours": 120, "completed": True, "completed_on": "2026-04-10"},
        headers=staff,
    )
    assert done.status_code == 200, done.json
    assert done.json["moved_to_trained"] is True and done.json["expert_status"] == "trained"
    fixed = client.patch(patch, json={"attended_hours": 100}, headers=staff)
    assert fixed.status_code == 409  # a recorded completion is fixed
    assert _count(app, Enrolment) == 1


def test_only_the_examiner_records_results_and_bad_scores_write_nothing(app, client, api_as):
    account, examiner = _staff(app, api_as)
    with app.app_context():
        me = db.session.get(User, account.id)
        session = ExamSessionFactory(centre=me.centre, examiner=me)
        colleague = ExamSessionFactory(centre=me.centre)
        expert_id = examinee(session).id
        stranger_id = ExpertFactory().id  # trained nowhere near this session's course
        db.session.commit()
        session_id, colleague_id = session.id, colleague.id
    url = f"/api/v1/exam-sessions/{session_id}/results"
    rows = [{"expert_id": expert_id, "score": 82}]
    off_roster = client.post(url, json=[{"expert_id": stranger_id, "score": 90}], headers=examiner)
    assert off_roster.status_code == 409
    other = client.post(
        f"/api/v1/exam-sessions/{colleague_id}/results", json=rows, headers=examiner
    )
    assert other.status_code == 403
    bad = client.post(url, json=[*rows, {"expert_id": expert_id, "score": 101}], headers=examiner)
    assert bad.status_code == 422 and "[1].score" in bad.json["error"]["fields"]
    assert client.post(url, json=[], headers=examiner).status_code == 422
    assert _count(app, ExamResult) == 0
    response = client.post(url, json=rows, headers=examiner)
    assert response.status_code == 200
    assert response.json == [{"expert_id": expert_id, "score": 82, "passed": True}]


def _course_of(app, account):
    with app.app_context():
        course = CourseFactory(centre=db.session.get(User, account.id).centre)
        db.session.commit()
        return course.id


def test_exam_sessions_need_an_examiner_of_the_centre(app, client, api_as):
    account, staff = _staff(app, api_as)
    _, elsewhere = _staff(app, api_as)
    with app.app_context():
        stranger = db.session.scalar(sa.select(User.id).where(User.id != account.id))
    body = {
        "course_id": _course_of(app, account),
        "held_on": "2026-05-01",
        "examiner_id": account.id,
        "pass_mark": 70,
        "max_score": 100,
    }
    created = client.post("/api/v1/exam-sessions", json=body, headers=staff)
    assert created.status_code == 201 and created.json["course_id"] == body["course_id"]
    body["examiner_id"] = stranger
    assert client.post("/api/v1/exam-sessions", json=body, headers=staff).status_code == 422
    body["examiner_id"] = account.id
    assert client.post("/api/v1/exam-sessions", json=body, headers=elsewhere).status_code == 422


def test_an_exam_session_needs_a_course_of_the_callers_centre(app, client, api_as):
    account, staff = _staff(app, api_as)
    other_account, _other = _staff(app, api_as)
    body = {"held_on": "2026-05-01", "examiner_id": account.id, "pass_mark": 70, "max_score": 100}
    missing = client.post("/api/v1/exam-sessions", json=body, headers=staff)
    assert missing.status_code == 422 and "course_id" in missing.json["error"]["fields"]
    null = client.post("/api/v1/exam-sessions", json={**body, "course_id": None}, headers=staff)
    assert null.status_code == 422 and "course_id" in null.json["error"]["fields"]
    theirs = {**body, "course_id": _course_of(app, other_account)}
    elsewhere = client.post("/api/v1/exam-sessions", json=theirs, headers=staff)
    assert elsewhere.status_code == 422 and "course_id" in elsewhere.json["error"]["fields"]
    assert _count(app, ExamSession) == 0


# -- certificates and verification ----------------------------------------------------------


def _certificate(app, user_id=None):
    with app.app_context():
        certificate = issued_certificate(user_id=user_id)
        db.session.commit()
        return certificate.number, certificate.verification_code, certificate.archive_path


def test_the_holder_reads_their_certificate_and_its_archived_pdf(app, client, api_as):
    account, holder = api_as("expert")
    number, code, _path = _certificate(app, account.id)
    found = client.get(f"/api/v1/certificates/{number}", headers=holder)
    assert found.status_code == 200
    assert found.json["verification_code"] == code and found.json["status"] == "valid"
    assert found.json["verification_url"].endswith(f"/verify/{number}?code={code}")
    pdf = client.get(f"/api/v1/certificates/{number}/pdf", headers=holder)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == found.json["sha256"]


def test_an_altered_archive_file_is_never_served(app, client, api_as):
    _, officer = api_as("officer")
    number, _code, path = _certificate(app)
    file = Path(app.config["REGISTRY_CERTIFICATES_DIR"]) / path
    file.write_bytes(file.read_bytes() + b"%tampered")
    response = client.get(f"/api/v1/certificates/{number}/pdf", headers=officer)
    assert response.status_code == 500
    assert response.json["error"]["code"] == "archive_failed"
    with app.app_context():
        assert db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "certificate.archive_failed")
        )


def test_verification_answers_alike_for_a_wrong_code_and_an_unknown_number(app, client):
    number, code, _path = _certificate(app)
    good = client.get(f"/api/v1/verify/{number}?code={code}")
    assert good.status_code == 200
    assert set(good.json) == {
        "number",
        "holder",
        "level",
        "scheme",
        "issued_on",
        "valid_until",
        "status",
    }
    wrong = client.get(f"/api/v1/verify/{number}?code=x{code}")
    unknown = client.get(f"/api/v1/verify/NSCL-QG-2026-99999?code={code}")
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json == unknown.json
    assert client.get(f"/api/v1/verify/{number}").status_code == 400
