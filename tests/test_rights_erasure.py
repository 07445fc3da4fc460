"""Erasure requests (Law No. 91/2025/QH15): a case the person files from /me/data, decided by
an officer and carried out as its handler closes it; what the law allows goes, what
certification records keep (ISO/IEC 17024 7.1) stays under a pseudonym."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from registry.api.tokens import create_token
from registry.audit.history_chain import verify_history
from registry.audit.models import AuditEvent
from registry.audit.service import verify_chain
from registry.auth.models import ApiToken, User
from registry.cases import appeals
from registry.cases.models import Case
from registry.certificates.models import Certificate
from registry.database import utcnow
from registry.enums import (
    CaseKind,
    CaseStatus,
    CertificateStatus,
    ComplaintSubject,
    ExpertStatus,
    MessageStatus,
    RequestStatus,
    Role,
)
from registry.exams.models import ExamResult
from registry.experts.models import CpdRecord, Expert, StatusChange
from registry.experts.uploads import evidence_path, store_evidence
from registry.extensions import db
from registry.mail.models import OutboxMessage
from registry.rights import erasure
from tests.conftest import create_account, sign_in
from tests.factories import TEST_PASSWORD, CpdRecordFactory, UserFactory, Walk

NAME, PHONE, ORGANISATION = "Trần Thị Bích Ngọc", "0903 111 222", "Công ty Năng suất Sài Gòn"


def _pdf(tag):
    import io

    return io.BytesIO(b"%PDF-1.4\n% " + tag.encode() + b"\n")


def _certified_person(app):
    """A certified expert with an account, contact data, consent, an API token and two CPD
    records: one approved (a renewal may rely on it) and one refused, each with a document."""
    with app.app_context():
        walk = Walk()
        user = UserFactory(role=Role.EXPERT, full_name=NAME)
        expert = walk.certified(
            user=user,
            email=user.email,
            full_name=NAME,
            phone=PHONE,
            organisation=ORGANISATION,
            consent_public_listing=True,
            date_of_birth=date(1985, 7, 14),
        )
        create_token(user, "máy tính", actor=user)
        paths = {}
        for status in (RequestStatus.APPROVED, RequestStatus.REFUSED):
            stored = store_evidence(_pdf(status.value), f"{status.value}.pdf")
            CpdRecordFactory(
                expert=expert,
                status=status,
                decided_by_id=walk.officer.id,
                document_name=stored.name,
                document_path=stored.path,
                document_sha256=stored.sha256,
            )
            paths[status.value] = stored.path
        certificate = expert.certificates[0]
        db.session.commit()
        ids = {
            "expert": expert.id,
            "user": user.id,
            "email": user.email,
            "number": certificate.number,
            "code": certificate.verification_code,
            "paths": paths,
        }
        db.session.remove()
    return ids


def _officer(app):
    return create_account(app, "officer")


def _ask(client, ids, **data):
    sign_in(client, ids["email"])
    response = client.post("/me/data/erasure", data=data)
    client.post("/logout")
    return response


def _case_id(app, expert_id):
    with app.app_context():
        return db.session.scalar(
            sa.select(Case.id).where(Case.expert_id == expert_id, Case.kind == CaseKind.ERASURE)
        )


def _work_the_case(client, case_id, officer, outcome="upheld", *, close=True):
    sign_in(client, officer.email)
    for step, data in (
        ("acknowledge", {"status": "received"}),
        ("assign", {"status": "acknowledged", "handler": officer.id}),
        ("decide", {"status": "assigned", "outcome": outcome, "reasons": "Đủ điều kiện."}),
        *((("close", {"status": "decided"}),) if close else ()),
    ):
        response = client.post(f"/cases/{case_id}/{step}", data=data)
        assert response.status_code == 302, (step, response.get_data(as_text=True)[:500])
    client.post("/logout")


def test_a_certified_person_is_told_their_certificate_is_withdrawn_first(app, client):
    ids = _certified_person(app)
    sign_in(client, ids["email"])
    page = client.get("/me/data").get_data(as_text=True)
    assert "/me/data/erasure" in page and "ISO/IEC 17024" in page
    response = client.post("/me/data/erasure", data={"grounds": "Tôi nghỉ hưu."})
    assert response.status_code == 409
    assert _case_id(app, ids["expert"]) is None


def test_erasure_removes_contact_data_and_keeps_certification_records_pseudonymised(app, client):
    ids = _certified_person(app)
    response = _ask(client, ids, accept_withdrawal="y", grounds="Tôi nghỉ hưu.")
    assert response.status_code == 302
    case_id = _case_id(app, ids["expert"])
    assert response.headers["Location"].endswith(f"/cases/{case_id}")

    # The export shows the open request, with its deadline.
    sign_in(client, ids["email"])
    data = client.get("/me/data.json").get_json()
    assert [(c["kind"], c["status"]) for c in data["cases"]] == [("erasure", "received")]
    assert data["cases"][0]["due_on"]
    assert f'/cases/{case_id}"' in client.get("/me/data").get_data(as_text=True)
    assert client.post("/me/data/erasure", data={"accept_withdrawal": "y"}).status_code == 409
    # The case's page says what will be removed and what kept, and why.
    case_page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "ISO/IEC 17024 (7.1)" in case_page
    client.post("/logout")

    _work_the_case(client, case_id, _officer(app))

    with app.app_context():
        expert = db.session.get(Expert, ids["expert"])
        user = db.session.get(User, ids["user"])
        # Gone: contact data, consent, account, tokens, the refused request's document.
        assert NAME not in expert.full_name and expert.full_name == erasure.pseudonym(expert)
        assert (expert.phone, expert.consent_public_listing) == (None, False)
        assert expert.organisation != ORGANISATION and ids["email"] != expert.email
        assert expert.date_of_birth == date(1985, 1, 1) and expert.erased_at is not None
        assert not user.active and user.email != ids["email"] and user.password_hash is None
        assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0
        cpd = {r.status: r for r in db.session.scalars(sa.select(CpdRecord))}
        assert cpd[RequestStatus.REFUSED].document_path is None
        assert not evidence_path(ids["paths"]["refused"]).exists()
        # Kept: the approved CPD's document, the certificate, the exam result, the history.
        assert evidence_path(ids["paths"]["approved"]).exists()
        certificate = db.session.scalar(
            sa.select(Certificate).where(Certificate.number == ids["number"])
        )
        assert certificate.status == CertificateStatus.WITHDRAWN
        assert certificate.reason_code == "at_holders_request"
        assert certificate.holder_name == expert.full_name
        assert db.session.scalar(
            sa.select(sa.func.count(ExamResult.id)).where(ExamResult.expert_id == expert.id)
        )
        history = db.session.scalars(
            sa.select(StatusChange.to_status).where(StatusChange.expert_id == expert.id)
        ).all()
        assert history[-1] == ExpertStatus.WITHDRAWN and ExpertStatus.CERTIFIED in history
        case = db.session.get(Case, case_id)
        assert case.status == CaseStatus.CLOSED and case.contact_email is None
        # The last mail goes to the address the person had, and says what is kept and why.
        messages = db.session.scalars(sa.select(OutboxMessage)).all()
        assert all(
            m.status == MessageStatus.PENDING for m in messages if m.to_address == ids["email"]
        )
        closing = next(m for m in messages if m.key == f"case-{case_id}-closed")
        assert closing.to_address == ids["email"] and "ISO/IEC 17024" in closing.body_text
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "rights.erased"))
        assert event.details["case_id"] == case_id
        assert PHONE not in str(event.details) and NAME not in str(event.details)
        # The audit chain and the status history chain still verify.
        assert verify_chain().ok and verify_history().ok
        db.session.remove()

    # The person can no longer sign in; the register no longer lists them.
    client.post("/login", data={"email": ids["email"], "password": TEST_PASSWORD})
    assert client.get("/me/data").status_code != 200
    assert NAME not in client.get("/register").get_data(as_text=True)


def test_verification_still_answers_truthfully_without_the_name(app, client):
    ids = _certified_person(app)
    _ask(client, ids, accept_withdrawal="y")
    _work_the_case(client, _case_id(app, ids["expert"]), _officer(app))
    response = client.get(f"/verify/{ids['number']}?code={ids['code']}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ids["number"] in page and NAME not in page and "1985" not in page
    api = client.get(f"/api/v1/verify/{ids['number']}?code={ids['code']}").get_json()
    assert api["status"] == "withdrawn" and api["holder"].startswith("Ẩn danh #")


def test_an_erasure_request_is_a_404_to_anyone_else(app, client):
    ids = _certified_person(app)
    _ask(client, ids, accept_withdrawal="y")
    case_id = _case_id(app, ids["expert"])
    other = create_account(app, "expert")
    sign_in(client, other.email)
    assert client.get(f"/cases/{case_id}").status_code == 404
    # An account with no record of its own asks for nobody's erasure.
    assert client.post("/me/data/erasure", data={"accept_withdrawal": "y"}).status_code == 404
    client.post("/logout")
    for role in ("centre_staff", "auditor"):
        sign_in(client, create_account(app, role).email)
        assert client.post("/me/data/erasure", data={"accept_withdrawal": "y"}).status_code == 403
        client.post("/logout")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 1
        assert db.session.get(Expert, ids["expert"]).erased_at is None


def test_nothing_is_erased_without_a_decision_in_the_persons_favour(app, client):
    ids = _certified_person(app)
    _ask(client, ids, accept_withdrawal="y")
    case_id = _case_id(app, ids["expert"])
    officer = _officer(app)
    _work_the_case(client, case_id, officer, close=False)
    with app.app_context():
        case = db.session.get(Case, case_id)
        handler = db.session.get(User, officer.id)
        bystander = UserFactory(role=Role.OFFICER)
        # Not the handler, or a case not decided: refused.
        with pytest.raises(appeals.CaseNotAllowed):
            erasure.carry_out(case, actor=bystander)
        db.session.execute(sa.update(Case).values(status="assigned", outcome=None, decided_at=None))
        db.session.refresh(case)
        with pytest.raises(appeals.CaseNotAllowed):
            erasure.carry_out(case, actor=handler)
        db.session.rollback()
        db.session.remove()
    # Closing a case still assigned is a conflict: nothing is erased.
    sign_in(client, officer.email)
    assert client.post(f"/cases/{case_id}/close", data={"status": "assigned"}).status_code == 409
    client.post("/logout")
    with app.app_context():
        assert db.session.get(Expert, ids["expert"]).full_name == NAME
        db.session.remove()


def test_a_dismissed_request_erases_nothing(app, client):
    ids = _certified_person(app)
    _ask(client, ids, accept_withdrawal="y")
    case_id = _case_id(app, ids["expert"])
    officer = _officer(app)
    _work_the_case(client, case_id, officer, outcome="dismissed")
    with app.app_context():
        expert = db.session.get(Expert, ids["expert"])
        assert (expert.full_name, expert.phone, expert.erased_at) == (NAME, PHONE, None)
        assert expert.status == ExpertStatus.CERTIFIED
        db.session.remove()
    # The outcome is said in the words of an erasure request, not of an appeal.
    sign_in(client, officer.email)
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Từ chối (dữ liệu được giữ lại)" in page
    assert "quyết định được giữ nguyên" not in page.lower()


def test_an_applicant_is_rejected_through_the_table_then_erased(app, client):
    with app.app_context():
        user = UserFactory(role=Role.EXPERT)
        expert = Walk().to(ExpertStatus.APPLIED, user=user, email=user.email)
        db.session.commit()
        ids = {"expert": expert.id, "email": user.email}
        db.session.remove()
    assert _ask(client, ids).status_code == 302
    _work_the_case(client, _case_id(app, ids["expert"]), _officer(app))
    with app.app_context():
        expert = db.session.get(Expert, ids["expert"])
        assert expert.status == ExpertStatus.REJECTED and expert.erased_at is not None
        assert verify_chain().ok and verify_history().ok
        db.session.remove()


def test_erasure_happens_once(ctx):
    walk = Walk()
    expert = walk.to(ExpertStatus.WITHDRAWN)
    assert erasure.erase(expert, actor=None)
    assert erasure.erase(expert, actor=None) == {}
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "rights.erased")
        )
        == 1
    )


def test_expired_people_have_nothing_to_withdraw(ctx):
    walk = Walk()
    expert = walk.to(ExpertStatus.EXPIRED, certified_on=date.today() - timedelta(days=4 * 365))
    assert not erasure.holds_certificate(expert)


def test_an_erasure_waits_for_the_persons_other_open_cases(app, client):
    """Closing the request while a complaint about the person is open would send its
    outcome to an address that no longer exists: refused, nothing erased, the case open."""
    ids = _certified_person(app)
    _ask(client, ids, accept_withdrawal="y")
    case_id = _case_id(app, ids["expert"])
    officer = _officer(app)
    _work_the_case(client, case_id, officer, close=False)
    with app.app_context():
        now = utcnow()
        complaint = Case(
            kind=CaseKind.COMPLAINT,
            status=CaseStatus.ACKNOWLEDGED,
            subject=ComplaintSubject.EXPERT,
            expert_id=ids["expert"],
            contact_email="khach@example.vn",
            grounds="Tư vấn không đúng cam kết.",
            confirmed_at=now,
            acknowledged_at=now,
            due_on=date.today() + timedelta(days=30),
        )
        db.session.add(complaint)
        db.session.commit()
        complaint_id = complaint.id
        db.session.remove()
    sign_in(client, officer.email)
    response = client.post(f"/cases/{case_id}/close", data={"status": "decided"})
    assert response.status_code == 409
    assert f"Hồ sơ số {complaint_id} liên quan đến người này vẫn đang mở" in response.get_data(
        as_text=True
    )
    with app.app_context():
        expert = db.session.get(Expert, ids["expert"])
        assert (expert.full_name, expert.erased_at, expert.status) == (
            NAME,
            None,
            ExpertStatus.CERTIFIED,
        )
        assert db.session.get(Case, case_id).status == CaseStatus.DECIDED
        db.session.remove()
