"""Who may open what: one row per page and role (anonymous, each role), including objects
of another centre. Every GET route of the app must have a row here."""

import re
from datetime import date

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditSample
from registry.centres.models import Topic
from registry.certificates.jobs import create_job
from registry.certificates.models import Certificate
from registry.certificates.service import issue_certificate
from registry.enums import CertificateLevel, ExpertStatus, Role
from registry.experts.models import AccreditationRequest
from registry.extensions import db
from registry.sectors import Sector
from registry.targets.models import Target
from tests.conftest import create_account, sign_in
from tests.factories import (
    CentreFactory,
    CourseFactory,
    EnrolmentFactory,
    ExamResultFactory,
    ExamSessionFactory,
    ExpertFactory,
    StatusChangeFactory,
    UserFactory,
    issued_certificate,
)

ROLES = ["anonymous", "expert", "centre_staff", "officer", "auditor", "admin"]
L = 302  # redirect: to the sign-in page for anonymous users, elsewhere as the row says

# A path's placeholders are the route's own argument names. {code} is the signed-in centre
# staff member's centre (for other roles, just a centre); {other} is another centre.
TABLE = {
    "/": [200, 200, 200, 200, 200, 200],
    "/login": [200, L, L, L, L, L],
    "/lang/{code}": [L, L, L, L, L, L],
    "/account/password": [L, 200, 200, 200, 200, 200],
    "/account/tokens": [L, 200, 200, 200, 200, 200],
    "/account/second-factor": [L, 404, 200, 200, 200, 200],
    "/login/code": [L, L, L, L, L, L],  # only between the password and the code
    "/admin/second-factor": [L, 403, 403, 403, 403, 200],
    "/account/mail": [L, 200, 200, 200, 200, 200],
    "/account/confirm": [L, L, L, L, L, L],  # the email is confirmed: on to the home page
    "/account/confirm/{token}": [404, 404, 404, 404, 404, 404],  # a link that is not signed
    "/password/forgot": [200, 200, 200, 200, 200, 200],
    "/password/reset/{token}": [404, 404, 404, 404, 404, 404],
    "/claim/{token}": [404, 404, 404, 404, 404, 404],
    "/register": [200, 200, 200, 200, 200, 200],
    "/me": [L, 200, 403, 403, 403, 403],
    "/experts": [L, 403, 403, 200, 200, 403],
    "/experts/{expert_id}": [L, 404, 404, 200, 200, 404],
    "/audit/": [L, 403, 403, 200, 200, 403],
    "/audit/export.{kind}": [L, 403, 403, 200, 200, 403],
    "/admin/users": [L, 403, 403, 403, 403, 200],
    "/admin/users/{user_id}": [L, 403, 403, 403, 403, 200],
    "/admin/centres": [L, 403, 403, 403, 403, 200],
    "/admin/outbox": [L, 403, 403, 403, 403, 200],
    "/admin/centres/{centre_id}": [L, 403, 403, 403, 403, 200],
    "/admin/topics": [L, 403, 403, 403, 403, 200],
    "/admin/topics/{topic_id}": [L, 403, 403, 403, 403, 200],
    "/admin/sectors": [L, 403, 403, 403, 403, 200],
    "/admin/sectors/{sector_id}": [L, 403, 403, 403, 403, 200],
    "/admin/values-to-fix": [L, 403, 403, 403, 403, 200],
    # training centres
    "/centres/mine": [L, 403, L, 403, 403, 403],
    "/centres/mine/courses": [L, 403, L, 403, 403, 403],
    "/centres/mine/imports": [L, 403, L, 403, 403, 403],
    "/centres/mine/exams": [L, 403, L, 403, 403, 403],
    "/centres/{code}": [L, 404, 200, 200, 200, 200],
    "/centres/{other}": [L, 404, 404, 200, 200, 200],
    "/centres/NOPE": [L, 404, 404, 404, 404, 404],
    "/centres/{code}/courses": [L, 404, 200, 200, 200, 200],
    "/centres/{code}/courses/new": [L, 404, 200, 403, 403, 403],
    "/centres/{code}/courses/{course_id}": [L, 404, 200, 200, 200, 200],
    "/centres/{code}/courses/{course_id}/edit": [L, 404, 200, 403, 403, 403],
    "/centres/{code}/courses/{course_id}/enrolments/{enrolment_id}": [L, 404, 200, 403, 403, 403],
    "/centres/{other}/courses/{other_course_id}": [L, 404, 404, 200, 200, 200],
    "/centres/{code}/courses/{other_course_id}": [L, 404, 404, 404, 404, 404],
    "/centres/{code}/imports": [L, 404, 200, 403, 403, 403],
    "/centres/{code}/imports/enrolments-template.{kind}": [L, 404, 200, 200, 200, 200],
    # the starter and the centre's record keepers; anyone else: not found
    "/centres/{code}/imports/jobs/{import_job_id}": [L, 404, 200, 404, 404, 404],
    "/centres/{code}/exams": [L, 404, 200, 200, 200, 200],
    "/centres/{code}/exams/new": [L, 404, 200, 403, 403, 403],
    "/centres/{code}/exams/{session_id}": [L, 404, 200, 200, 200, 200],
    "/centres/{code}/exams/{session_id}/edit": [L, 404, 200, 403, 403, 403],
    # only the session's examiner imports results; the signed-in staff member is not it
    "/centres/{code}/exams/{session_id}/import": [L, 404, 403, 403, 403, 403],
    "/centres/{code}/exams/{session_id}/template.{kind}": [L, 404, 200, 200, 200, 200],
    # only the session's examiner asks for a correction of a frozen result
    "/centres/{code}/exams/{session_id}/results/{result_id}/correction": [
        L,
        404,
        403,
        403,
        403,
        403,
    ],
    "/centres/{other}/exams/{other_session_id}/results/{other_result_id}/correction": [
        L,
        404,
        404,
        403,
        403,
        403,
    ],
    # applications and the lifecycle ({expert_id} is someone else's record)
    "/signup": [200, L, L, L, L, L],
    "/me/apply": [L, 200, 403, 403, 403, 403],
    "/me/cpd": [L, 404, 403, 403, 403, 403],  # 404: this expert has no record yet
    "/experts/{expert_id}/edit": [L, 404, 404, 200, 403, 404],
    "/experts/{expert_id}/contact": [L, 404, 404, 200, 403, 404],
    "/experts/{expert_id}/name-change": [L, 404, 404, 200, 403, 404],
    "/experts/{expert_id}/accreditation": [L, 404, 404, 200, 403, 404],
    "/accreditation/{request_id}/document": [L, 404, 404, 404, 404, 404],  # no file uploaded
    # "kind" is csv here: no such request kind (access to real ones: test_request_documents)
    "/requests/{kind}/{request_id}/document": [L, 404, 404, 404, 404, 404],
    "/directorate/": [L, 403, 403, 200, 403, 403],
    "/directorate/queue/{name}": [L, 403, 403, 200, 403, 403],
    "/directorate/experts/{expert_id}/decide/{to}": [L, 403, 403, 200, 403, 403],
    "/directorate/accreditation/{request_id}": [L, 403, 403, 200, 403, 403],
    "/directorate/apply": [L, 403, 403, 200, 403, 403],
    "/directorate/result-corrections/{correction_id}": [L, 403, 403, 200, 403, 403],
    # targets, reports, audit sampling and anomalies
    "/targets/": [L, 403, 403, 200, 200, 200],
    "/targets/manage": [L, 403, 403, 403, 403, 200],
    "/targets/new": [L, 403, 403, 403, 403, 200],
    "/targets/{target_id}/edit": [L, 403, 403, 403, 403, 200],
    "/reports/targets.csv": [L, 403, 403, 200, 200, 200],
    "/reports/targets.xlsx": [L, 403, 403, 200, 200, 200],
    "/reports/summary.pdf": [L, 403, 403, 200, 200, 200],
    "/reports/register.csv": [L, 403, 403, 200, 200, 403],
    "/reports/register.xlsx": [L, 403, 403, 200, 200, 403],
    "/audit/anomalies": [L, 403, 403, 403, 200, 403],
    "/audit/samples/": [L, 403, 403, 403, 200, 403],
    "/audit/samples/actions": [L, 403, 403, 403, 200, 403],
    "/audit/samples/{sample_id}": [L, 403, 403, 403, 200, 403],
    "/audit/samples/{sample_id}/certificates/{certificate_id}": [L, 403, 403, 403, 200, 403],
    # certificates: public verification needs the code; the PDF is the holder's (not these
    # users') and the directorate's; batch issuance pages are the directorate's
    "/verify/{number}": [404, 404, 404, 404, 404, 404],
    "/verify": [200, 200, 200, 200, 200, 200],
    "/verify/{number}?code={verification_code}": [200, 200, 200, 200, 200, 200],
    "/certificates/{number}.pdf": [L, 404, 404, 200, 200, 404],
    # signed credentials: the holder's, officers', auditors' (a 404 for anyone else); the
    # keys, status lists and audit checkpoints are public
    "/certificates/{number}.credential.json": [L, 404, 404, 200, 200, 404],
    "/.well-known/did.json": [200, 200, 200, 200, 200, 200],
    "/credentials/status/{purpose}/1": [200, 200, 200, 200, 200, 200],
    "/credentials/status/{purpose}/{number}": [404, 404, 404, 404, 404, 404],  # not a list
    "/credentials/status/NOPE/1": [404, 404, 404, 404, 404, 404],
    "/audit/checkpoints/latest.json": [404, 404, 404, 404, 404, 404],  # none taken yet
    "/audit/checkpoints/{checkpoint_id}.json": [404, 404, 404, 404, 404, 404],
    "/directorate/certificates": [L, 403, 403, 200, 200, 403],
    "/directorate/certificates/jobs/{job_id}": [L, 403, 403, 200, 200, 403],
    # cases: the appellant (not these users), officers and auditors; appealing is from /me
    "/me/appeals/{ref}": [L, 404, 404, 404, 404, 404],
    "/cases/{case_id}": [L, 404, 404, 200, 200, 404],
    "/cases/{case_id}/documents/{document_id}": [L, 404, 404, 404, 404, 404],  # none attached
    "/audit/cases": [L, 403, 403, 200, 200, 403],
    "/complaints/new": [200, 200, 200, 200, 200, 200],
    # the expert's own data (this expert has no record yet)
    "/me/data": [L, 404, 403, 403, 403, 403],
    "/me/data.json": [L, 404, 403, 403, 403, 403],
    "/complaints/confirm/{token}": [200, 200, 200, 200, 200, 200],  # a page with a button
}


def _accreditation_request(expert_id):
    request = AccreditationRequest(
        expert_id=expert_id,
        level=CertificateLevel.REGIONAL,
        reference="APO-CPE-2026-001",
        issuing_body="Asian Productivity Organization",
        issued_on=date(2026, 1, 15),
        requested_by_id=UserFactory().id,
    )
    db.session.add(request)
    db.session.flush()
    return request.id


def _sampled_certificate():
    expert = ExpertFactory(status=ExpertStatus.CERTIFIED)
    certificate = issue_certificate(expert, CertificateLevel.NATIONAL, actor=None)
    sample = AuditSample(
        auditor_id=UserFactory(role="auditor").id,
        period_start=date(2021, 1, 1),
        period_end=date(2030, 12, 31),
        size=1,
        seed=1322,
    )
    db.session.add(sample)
    db.session.flush()
    return sample.id, certificate.id


def _appeal():
    """An appeal against a suspension; returns (case id, the decision's reference)."""
    from registry.cases.models import Case
    from registry.enums import CaseKind

    change = StatusChangeFactory(
        from_status=ExpertStatus.CERTIFIED,
        to_status=ExpertStatus.SUSPENDED,
        actor=UserFactory(role="officer"),
    )
    case = Case(
        kind=CaseKind.APPEAL,
        expert_id=change.expert_id,
        status_change_id=change.id,
        grounds="Căn cứ",
        due_on=date(2026, 12, 1),
    )
    db.session.add(case)
    db.session.flush()
    return case.id, f"change-{change.id}"


def _frozen_results(own_session_id, other):
    """A result of the own session and of another centre's, and a pending correction."""
    from registry.exams.models import ExamResultCorrection, ExamSession

    own = ExamResultFactory(session=db.session.get(ExamSession, own_session_id))
    theirs = ExamResultFactory(session=ExamSessionFactory(centre=other))
    correction = ExamResultCorrection(
        result_id=own.id,
        old_score=80,
        new_score=78,
        reason="Cộng nhầm điểm",
        requested_by_id=UserFactory().id,
    )
    db.session.add(correction)
    db.session.flush()
    return {
        "result_id": own.id,
        "other_session_id": theirs.session_id,
        "other_result_id": theirs.id,
        "correction_id": correction.id,
    }


def _objects(app):
    with app.app_context():
        own, other = CentreFactory(), CentreFactory()
        course = CourseFactory(centre=own)
        ids = {
            "code": own.code,
            "other": other.code,
            "centre_id": own.id,
            "expert_id": ExpertFactory().id,
            "user_id": UserFactory().id,
            "course_id": course.id,
            "other_course_id": CourseFactory(centre=other).id,
            "enrolment_id": EnrolmentFactory(course=course).id,
            "session_id": ExamSessionFactory(centre=own, course=course).id,
            "kind": "csv",
            "token": "not-a-signed-token",
            "name": "applications",
            "to": "rejected",
        }
        ids["request_id"] = _accreditation_request(ids["expert_id"])
        ids.update(_frozen_results(ids["session_id"], other))
        ids["target_id"] = db.session.scalar(sa.select(sa.func.min(Target.id)))
        ids["topic_id"] = db.session.scalar(sa.select(sa.func.min(Topic.id)))
        ids["sector_id"] = db.session.scalar(sa.select(sa.func.min(Sector.id)))
        ids["sample_id"], ids["certificate_id"] = _sampled_certificate()
        certificate = db.session.get(Certificate, ids["certificate_id"])
        ids["number"], ids["verification_code"] = certificate.number, certificate.verification_code
        app.config["REGISTRY_CERTIFICATES_RENDER_AT_ISSUE"] = False
        issued_certificate()  # a pending certificate: a batch with nothing to issue never starts
        app.config["REGISTRY_CERTIFICATES_RENDER_AT_ISSUE"] = True
        ids["job_id"] = create_job().id
        ids["import_job_id"] = _import_job(own)
        ids["purpose"], ids["checkpoint_id"] = "revocation", 1
        ids["case_id"], ids["ref"] = _appeal()
        ids["document_id"] = 1
        ids["token"] = "not-a-real-token"
        db.session.commit()
        db.session.remove()
    return ids


@pytest.mark.parametrize("role", ROLES)
def test_role_route_table(app, role):
    ids = _objects(app)
    client = app.test_client()
    if role != "anonymous":
        kwargs = {"centre_id": ids["centre_id"]} if role == "centre_staff" else {}
        account = create_account(app, role, **kwargs)
        assert sign_in(client, account.email).status_code == 302
    column = ROLES.index(role)
    failures = []
    for path, expected in TABLE.items():
        url = path.format(**ids)
        status = client.get(url).status_code
        if status != expected[column]:
            failures.append(f"{url}: {status}, expected {expected[column]}")
    assert failures == []


def test_every_page_has_a_row(app):
    """A new page must say who may open it: add it to TABLE."""
    rules = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint != "static" and not rule.rule.startswith("/api/")
    }
    assert sorted(rules - {path.split("?")[0] for path in TABLE}) == []


def test_every_api_endpoint_has_a_row(app):
    """Every API endpoint and method has a row in tests/test_api_permissions.py."""
    from tests.test_api_permissions import covered_endpoints

    api = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert api - covered_endpoints(app) == set()


def test_centre_staff_cannot_open_another_centres_page_but_can_open_their_own(app):
    with app.app_context():
        mine, theirs = CentreFactory(), CentreFactory()
        db.session.commit()
        mine_id, mine_code = mine.id, mine.code
        theirs_code, theirs_name = theirs.code, theirs.name
        db.session.remove()
    client = app.test_client()
    account = create_account(app, "centre_staff", centre_id=mine_id)
    sign_in(client, account.email)
    assert client.get(f"/centres/{mine_code}").status_code == 200
    response = client.get(f"/centres/{theirs_code}")
    assert response.status_code == 404
    assert theirs_name not in response.text


def _import_job(centre):
    """A finished background import of `centre`, started by another of its staff."""
    from registry.centres.import_jobs import ImportJob

    job = ImportJob(
        kind="enrolments",
        centre_id=centre.id,
        started_by_id=UserFactory(role=Role.CENTRE_STAFF, centre=centre).id,
        filename="lon.csv",
        stored_name="gone.csv",
        status="done",
        rows=400,
    )
    db.session.add(job)
    db.session.flush()
    return job.id
