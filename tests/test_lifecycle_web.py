"""The lifecycle through the web pages, as the people who use them."""

import io
import re
from datetime import date, timedelta

import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.centres.models import Enrolment
from registry.certificates.models import Certificate
from registry.directorate.queues import QUEUES
from registry.enums import CertificateLevel, ExpertStatus, Role
from registry.experts.lifecycle import transition
from registry.experts.models import AccreditationRequest, Expert, StatusChange
from registry.extensions import db
from tests.conftest import create_account, sign_in
from tests.factories import (
    CourseFactory,
    ExamSessionFactory,
    ExpertFactory,
    UserFactory,
    Walk,
    completed_enrolment,
)
from tests.links import mailed_path

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

APPLICATION = {
    "full_name": "Nguyễn Thị Hồng Nhung",
    "date_of_birth": "1985-03-14",
    "phone": "0912 345 678",
    "organisation": "Công ty CP Dệt may Nam Định",
    "organisation_type": "enterprise",
    "province": "Nam Định",
    "sector": "Dệt may",
    "highest_degree": "Thạc sĩ",
    "years_experience": "12",
    "consent_scheme_rules": "y",
    "consent_public_listing": "y",
}


def _expert(app, **where):
    with app.app_context():
        expert = db.session.scalar(sa.select(Expert).filter_by(**where))
        snapshot = (expert.id, expert.status, expert.version) if expert else None
        db.session.remove()
    return snapshot


def _officer_client(app, **kwargs):
    account = create_account(app, "officer", **kwargs)
    client = app.test_client()
    assert sign_in(client, account.email).status_code == 302
    return client, account


def _evidence(level, reference):
    return {
        "level": level,
        "reference": reference,
        "issuing_body": "Asian Productivity Organization",
        "issued_on": "2026-06-01",
        "document": (io.BytesIO(PDF), f"{reference}.pdf"),
    }


def test_one_expert_from_application_to_international_accreditation(app, client):
    # The candidate signs up and applies.
    response = client.post(
        "/signup",
        data={
            "full_name": "Nguyễn Thị Hồng Nhung",
            "email": "nhung@example.vn",
            "password": "mật khẩu rất dài",
            "confirm": "mật khẩu rất dài",
        },
    )
    assert response.status_code == 302 and response.location.endswith("/account/confirm")
    assert client.get("/me/apply").location.endswith("/account/confirm")  # waits for the link
    assert client.get(mailed_path(app, "confirm_email", "nhung@example.vn")).status_code == 302
    assert client.post("/me/apply", data=APPLICATION).status_code == 302
    expert_id, status, _ = _expert(app, email="nhung@example.vn")
    assert status == ExpertStatus.APPLIED
    page = client.get("/me").get_data(as_text=True)
    assert "Complete the PQ expert programme" in page or "chương trình" in page

    # The training centre enrols her, records attendance and completion on its roster page,
    # which moves her to `trained`; the session's examiner then records a passing score.
    with app.app_context():
        walk = Walk()
        course = CourseFactory(centre=walk.centre)
        session = ExamSessionFactory(centre=walk.centre, course=course, examiner=walk.staff)
        db.session.commit()
        code, course_id, session_id = walk.centre.code, course.id, session.id
        staff_email, ends_on = walk.staff.email, course.ends_on.isoformat()
        db.session.remove()
    centre = app.test_client()
    assert sign_in(centre, staff_email).status_code == 302
    roster = f"/centres/{code}/courses/{course_id}"
    enrol = {"email": "nhung@example.vn", "date_of_birth": APPLICATION["date_of_birth"]}
    assert centre.post(f"{roster}/enrol", data=enrol).status_code == 302
    with app.app_context():
        enrolment_id = db.session.scalar(sa.select(Enrolment.id).filter_by(expert_id=expert_id))
        db.session.remove()
    response = centre.post(
        f"{roster}/enrolments/{enrolment_id}",
        data={"attended_hours": "110", "completed": "y", "completed_on": ends_on},
    )
    assert response.status_code == 302
    assert _expert(app, id=expert_id)[1] == ExpertStatus.TRAINED
    response = centre.post(
        f"/centres/{code}/exams/{session_id}", data={"email": "nhung@example.vn", "score": "86"}
    )
    assert response.status_code == 302

    # An independent officer finds the candidate in the queue and certifies.
    officer, _account = _officer_client(app)
    queue = officer.get("/directorate/queue/decisions")
    assert queue.status_code == 200 and "Nguyễn Thị Hồng Nhung" in queue.get_data(as_text=True)
    page = officer.get(f"/directorate/experts/{expert_id}/decide/certified")
    assert page.status_code == 200
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page.get_data(as_text=True))
    response = officer.post(
        f"/directorate/experts/{expert_id}/decide/certified",
        data={"version": version.group(1), "reason": "Đạt yêu cầu"},
    )
    assert response.status_code == 302
    assert _expert(app, id=expert_id)[1] == ExpertStatus.CERTIFIED

    # Regional, then international recognition: the expert sends evidence, the officer decides.
    for level, reference, reached in (
        ("regional", "APO-CPE-2026-042", ExpertStatus.ACCREDITED_REGIONAL),
        ("international", "WCPS-2026-007", ExpertStatus.ACCREDITED_INTERNATIONAL),
    ):
        response = client.post(
            f"/experts/{expert_id}/accreditation",
            data=_evidence(level, reference),
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
        with app.app_context():
            request_id = db.session.scalar(
                sa.select(AccreditationRequest.id).where(
                    AccreditationRequest.reference == reference
                )
            )
            db.session.remove()
        assert reference in officer.get("/directorate/queue/accreditation").get_data(as_text=True)
        review = officer.get(f"/directorate/accreditation/{request_id}")
        assert review.status_code == 200
        document = officer.get(f"/accreditation/{request_id}/document")
        assert document.status_code == 200 and document.data == PDF
        response = officer.post(
            f"/directorate/accreditation/{request_id}", data={"approve": "Approve"}
        )
        assert response.status_code == 302
        assert _expert(app, id=expert_id)[1] == reached

    with app.app_context():
        levels = db.session.scalars(
            sa.select(Certificate.level).where(Certificate.expert_id == expert_id)
        ).all()
        steps = db.session.scalars(
            sa.select(StatusChange.to_status)
            .where(StatusChange.expert_id == expert_id)
            .order_by(StatusChange.id)
        ).all()
        db.session.remove()
    assert levels == [
        CertificateLevel.NATIONAL,
        CertificateLevel.REGIONAL,
        CertificateLevel.INTERNATIONAL,
    ]
    assert steps == [
        ExpertStatus.APPLIED,
        ExpertStatus.TRAINED,
        ExpertStatus.CERTIFIED,
        ExpertStatus.ACCREDITED_REGIONAL,
        ExpertStatus.ACCREDITED_INTERNATIONAL,
    ]
    page = client.get("/me").get_data(as_text=True)
    assert "APO-CPE-2026-042" in page and "NSCL-QT-" in page


def test_a_stale_decision_gets_the_conflict_page(app):
    officer, _ = _officer_client(app)
    with app.app_context():
        expert = ExpertFactory()
        db.session.commit()
        expert_id, version = expert.id, expert.version
        db.session.remove()
    other, _ = _officer_client(app)
    assert (
        other.post(
            f"/directorate/experts/{expert_id}/decide/rejected",
            data={"version": version, "reason": "Thiếu hồ sơ"},
        ).status_code
        == 302
    )
    response = officer.post(
        f"/directorate/experts/{expert_id}/decide/rejected",
        data={"version": version, "reason": "Thiếu kinh nghiệm"},
    )
    assert response.status_code == 409
    with app.app_context():
        reasons = db.session.scalars(
            sa.select(StatusChange.reason).where(StatusChange.expert_id == expert_id)
        ).all()
        db.session.remove()
    assert reasons == ["Thiếu hồ sơ"]


def test_an_unmet_guard_is_shown_and_refused_with_nothing_written(app):
    officer, _ = _officer_client(app)
    with app.app_context():
        expert, _ = Walk().trained()
        db.session.commit()
        expert_id = expert.id
        db.session.remove()
    page = officer.get(f"/directorate/experts/{expert_id}/decide/certified").get_data(as_text=True)
    assert "✗" in page
    response = officer.post(f"/directorate/experts/{expert_id}/decide/certified", data={})
    assert response.status_code == 409
    assert _expert(app, id=expert_id)[1] == ExpertStatus.TRAINED


def test_missing_reason_is_422_and_an_illegal_target_is_409(app):
    officer, _ = _officer_client(app)
    with app.app_context():
        expert = ExpertFactory()
        db.session.commit()
        expert_id = expert.id
        db.session.remove()
    assert officer.post(f"/directorate/experts/{expert_id}/decide/rejected").status_code == 422
    assert officer.get(f"/directorate/experts/{expert_id}/decide/withdrawn").status_code == 409
    assert officer.get(f"/directorate/experts/{expert_id}/decide/nonsense").status_code == 404
    assert _expert(app, id=expert_id)[1] == ExpertStatus.APPLIED


def test_only_officers_open_the_work_queues(app, client, login_as):
    assert client.get("/directorate/").status_code == 302  # to sign-in
    for role in ("expert", "auditor", "centre_staff", "admin"):
        login_as(role)
        assert client.get("/directorate/").status_code == 403, role
        assert client.get("/directorate/queue/decisions").status_code == 403, role
        client.post("/logout")
    login_as("officer")
    page = client.get("/directorate/")
    assert page.status_code == 200
    for name in QUEUES:
        assert client.get(f"/directorate/queue/{name}").status_code == 200, name


def test_profile_is_editable_only_while_applied(app, client, login_as):
    account = login_as("expert")
    assert client.post("/me/apply", data=APPLICATION).status_code == 302
    expert_id = _expert(app, user_id=account.id)[0]
    changed = dict(APPLICATION, organisation="Tổng công ty Dệt may Việt Nam")
    assert client.post(f"/experts/{expert_id}/edit", data=changed).status_code == 302
    with app.app_context():
        expert = db.session.get(Expert, expert_id)
        assert expert.organisation == "Tổng công ty Dệt may Việt Nam"
        walk = Walk()
        completed_enrolment(expert, centre=walk.centre, staff=walk.staff)
        transition(expert, ExpertStatus.TRAINED, actor=walk.staff)
        db.session.commit()
        db.session.remove()
    again = dict(APPLICATION, full_name="Tên Khác Hẳn")
    response = client.post(f"/experts/{expert_id}/edit", data=again)
    assert response.status_code == 409
    with app.app_context():
        assert db.session.get(Expert, expert_id).full_name == "Nguyễn Thị Hồng Nhung"
        db.session.remove()
    # The edit page no longer renders a form it would refuse: it leads to contact details.
    response = client.get(f"/experts/{expert_id}/edit")
    assert response.status_code == 302 and response.location.endswith("/contact")


def _certified_expert_client(app, client, login_as):
    account = login_as("expert")
    with app.app_context():
        expert = ExpertFactory(
            user_id=account.id, email=account.email, status=ExpertStatus.CERTIFIED
        )
        db.session.commit()
        expert_id = expert.id
        db.session.remove()
    return expert_id


def test_a_certified_expert_keeps_contact_details_and_consent_current(app, client, login_as):
    expert_id = _certified_expert_client(app, client, login_as)
    page = client.get(f"/experts/{expert_id}")
    assert f"/experts/{expert_id}/contact".encode() in page.data
    assert client.get(f"/experts/{expert_id}/contact").status_code == 200
    details = {
        "organisation": "Viện Năng suất Việt Nam",
        "organisation_type": "agency",
        "phone": "024 3791 1234",
        "province": "Hà Nội",
        "sector": "Năng lượng",
        "full_name": "Tên Khác Hẳn",  # ignored: the name changes only by request
        "date_of_birth": "1990-01-01",
    }
    response = client.post(f"/experts/{expert_id}/contact", data=details)
    assert response.status_code == 302
    with app.app_context():
        expert = db.session.get(Expert, expert_id)
        assert (expert.organisation, expert.phone, expert.province, expert.sector) == (
            "Viện Năng suất Việt Nam",
            "024 3791 1234",
            "Hà Nội",
            "Năng lượng",
        )
        assert expert.consent_public_listing is False  # unticked: withdrawn
        assert expert.full_name != "Tên Khác Hẳn" and expert.date_of_birth != date(1990, 1, 1)
        assert expert.status == ExpertStatus.CERTIFIED
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "expert.contact_updated")
        )
        assert "consent_public_listing" in event.details["changed"]
        db.session.remove()


def test_contact_details_need_the_required_fields(app, client, login_as):
    expert_id = _certified_expert_client(app, client, login_as)
    response = client.post(f"/experts/{expert_id}/contact", data={"organisation": ""})
    assert response.status_code == 422


def test_another_expert_cannot_edit_or_view_the_application(app, client, login_as):
    with app.app_context():
        expert = ExpertFactory(user=UserFactory(role=Role.EXPERT))
        db.session.commit()
        expert_id = expert.id
        db.session.remove()
    login_as("expert")
    assert client.get(f"/experts/{expert_id}").status_code == 404
    assert client.post(f"/experts/{expert_id}/edit", data=APPLICATION).status_code == 404
    assert client.post(f"/experts/{expert_id}/contact", data=APPLICATION).status_code == 404
    assert client.post(f"/experts/{expert_id}/name-change", data={}).status_code == 404


def test_apply_without_consent_is_refused_and_nothing_is_stored(app, client, login_as):
    account = login_as("expert")
    data = {k: v for k, v in APPLICATION.items() if k != "consent_scheme_rules"}
    response = client.post("/me/apply", data=data)
    assert response.status_code == 422
    assert _expert(app, user_id=account.id) is None


def test_a_duplicate_application_is_refused_on_the_page(app, client, login_as):
    officer, _ = _officer_client(app)
    data = dict(APPLICATION, email="nhung@example.vn")
    assert officer.post("/directorate/apply", data=data).status_code == 302
    account = login_as("expert")
    response = client.post("/me/apply", data=APPLICATION)  # same name and date of birth
    assert response.status_code == 409
    assert _expert(app, user_id=account.id) is None


def test_sign_up_refuses_an_email_already_registered(app, client):
    create_account(app, "expert", email="taken@example.vn")
    response = client.post(
        "/signup",
        data={
            "full_name": "Ai Đó",
            "email": "taken@example.vn",
            "password": "mật khẩu rất dài",
            "confirm": "mật khẩu rất dài",
        },
    )
    assert response.status_code == 409


def test_a_rejected_expert_applies_again_from_their_page(app, client, login_as):
    account = login_as("expert")
    client.post("/me/apply", data=APPLICATION)
    expert_id = _expert(app, user_id=account.id)[0]
    with app.app_context():
        transition(
            db.session.get(Expert, expert_id),
            ExpertStatus.REJECTED,
            actor=UserFactory(role=Role.OFFICER),
            reason="Thiếu bằng cấp",
        )
        db.session.commit()
        db.session.remove()
    assert "Thiếu bằng cấp" in client.get("/me").get_data(as_text=True)
    assert client.post("/me/reapply").status_code == 302
    assert _expert(app, id=expert_id)[1] == ExpertStatus.APPLIED


def test_forms_need_their_csrf_token(tmp_path, backend, request):
    from tests.conftest import make_app

    if backend != "sqlite":
        import pytest

        pytest.skip("one backend is enough for a form check")
    import shutil

    path = tmp_path / "csrf.sqlite3"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    app = make_app(f"sqlite:///{path}", tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        expert = ExpertFactory()
        officer = UserFactory(role=Role.OFFICER)
        db.session.commit()
        expert_id, email = expert.id, officer.email
        db.session.remove()
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    from tests.factories import TEST_PASSWORD

    client.post("/login", data={"email": email, "password": TEST_PASSWORD, "csrf_token": token})
    response = client.post(
        f"/directorate/experts/{expert_id}/decide/rejected", data={"reason": "Thiếu hồ sơ"}
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Expert, expert_id).status == ExpertStatus.APPLIED
        db.engine.dispose()


def test_evidence_documents_are_limited_in_type_and_size(app, client, login_as):
    with app.app_context():
        walk = Walk()
        user = UserFactory(role=Role.EXPERT)
        expert = walk.certified(ExpertFactory(user=user))
        db.session.commit()
        expert_id, email = expert.id, user.email
        db.session.remove()
    sign_in(client, email)
    url = f"/experts/{expert_id}/accreditation"
    bad = dict(_evidence("regional", "APO-1"), document=(io.BytesIO(b"<html>"), "giay.pdf"))
    assert client.post(url, data=bad, content_type="multipart/form-data").status_code == 422
    app.config["REGISTRY_EVIDENCE_MAX_BYTES"] = 32
    big = dict(_evidence("regional", "APO-1"), document=(io.BytesIO(PNG), "anh.png"))
    assert client.post(url, data=big, content_type="multipart/form-data").status_code == 422
    app.config["REGISTRY_EVIDENCE_MAX_BYTES"] = 4096
    good = dict(_evidence("regional", "APO-1"), document=(io.BytesIO(PNG), "anh.png"))
    assert client.post(url, data=good, content_type="multipart/form-data").status_code == 302
    with app.app_context():
        requests = db.session.scalars(sa.select(AccreditationRequest)).all()
        assert len(requests) == 1
        import hashlib

        assert requests[0].document_sha256 == hashlib.sha256(PNG).hexdigest()
        request_id = requests[0].id
        db.session.remove()
    # The holder and the directorate read it; another expert and centre staff do not.
    assert client.get(f"/accreditation/{request_id}/document").data == PNG
    client.post("/logout")
    for role in ("expert", "centre_staff"):
        login_as(role)
        assert client.get(f"/accreditation/{request_id}/document").status_code == 404
        client.post("/logout")


def test_expert_page_shows_state_timeline_and_what_is_missing(app, client):
    with app.app_context():
        walk = Walk()
        user = UserFactory(role=Role.EXPERT)
        walk.trained(ExpertFactory(user=user))
        db.session.commit()
        email = user.email
        db.session.remove()
    sign_in(client, email)
    client.get("/lang/en")
    page = client.get("/me").get_data(as_text=True)
    assert "Trained" in page
    assert "Applied → Trained" in page
    assert "A passing exam result" in page and "✗" in page
    assert date(2026, 4, 10).strftime("%b") in page or "2026" in page


def test_queue_column_headings_are_in_the_table_not_the_page_head(app, client, login_as):
    """Issue 18.4: the queues' headings once filled the base template's <head> block and
    showed as stray text ("Ứng viênĐiều kiện…") above the header."""
    login_as("officer")
    for name in QUEUES:
        html = client.get(f"/directorate/queue/{name}").get_data(as_text=True)
        head, body = html.split("</head>", 1)
        assert "<th>" not in head, name
        table_head = body.split("<thead>", 1)[1].split("</thead>", 1)[0]
        assert table_head.count("<th>") >= 3, name


def test_renew_is_offered_only_in_the_renewal_window(app, client, login_as):
    from datetime import timedelta

    from registry.clock import today
    from tests.factories import issued_certificate

    with app.app_context():
        fresh = issued_certificate(issued_on=today()).expert_id  # ends in three years
        due = issued_certificate(issued_on=today() - timedelta(days=3 * 365 - 30))
        due.valid_until = today() + timedelta(days=30)
        db.session.commit()
        due_id = due.expert_id
        db.session.remove()
    login_as("officer")
    decide = "/decide/certified"
    assert f"/directorate/experts/{fresh}{decide}" not in client.get(f"/experts/{fresh}").text
    assert f"/directorate/experts/{due_id}{decide}" in client.get(f"/experts/{due_id}").text


def test_the_holders_list_does_not_call_holders_waiting(app, client, login_as):
    from tests.factories import issued_certificate

    with app.app_context():
        issued_certificate()
        db.session.commit()
        db.session.remove()
    login_as("officer")
    page = client.get("/directorate/queue/holders").text
    assert "1 người có chứng chỉ, theo tên" in page
    assert "đang chờ" not in page.split("<table")[0]


def test_the_decision_page_refuses_a_renewal_outside_the_window(app, client, login_as):
    """Issue 18.9: hiding the link was not enough; the page itself renewed a fresh holder."""
    from registry.clock import today
    from tests.factories import issued_certificate

    with app.app_context():
        certificate = issued_certificate(issued_on=today())  # ends in three years
        expert_id, opens = certificate.expert_id, certificate.valid_until - timedelta(days=90)
        version = certificate.expert.version
        db.session.commit()
        db.session.remove()
    login_as("officer")
    url = f"/directorate/experts/{expert_id}/decide/certified"
    page = client.get(url).text
    assert "Trong thời hạn gia hạn" in page and opens.isoformat() in page
    response = client.post(url, data={"version": version})
    assert response.status_code in (409, 422)
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Certificate)
            .where(Certificate.expert_id == expert_id)
        )
        assert count == 1
