"""CPD and name-correction requests take a supporting document (issue 18 item 9)."""

import io

import sqlalchemy as sa

from registry.enums import Role
from registry.experts.models import CpdRecord, NameChangeRequest
from registry.extensions import db
from registry.targets.counting import today
from tests.conftest import create_account, sign_in
from tests.factories import ExpertFactory, UserFactory, Walk
from tests.test_lifecycle_web import PDF


def _certified_expert(app):
    with app.app_context():
        user = UserFactory(role=Role.EXPERT)
        expert = Walk().certified(ExpertFactory(user=user))
        db.session.commit()
        email, expert_id = user.email, expert.id
        db.session.remove()
    return email, expert_id


def _signed_in(app, role):
    client = app.test_client()
    sign_in(client, create_account(app, role).email)
    return client


def test_cpd_and_name_change_documents_reach_the_queue_and_only_the_right_people(app, client):
    email, expert_id = _certified_expert(app)
    sign_in(client, email)
    cpd = client.post(
        "/me/cpd",
        data={
            "activity": "Hội thảo Kaizen",
            "hours": "16",
            "completed_on": today().isoformat(),
            "document": (io.BytesIO(PDF), "chung-nhan-hoi-thao.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert cpd.status_code == 302
    name = client.post(
        f"/experts/{expert_id}/name-change",
        data={
            "new_name": "Trần Văn Minh Mới",
            "reason": "Sai chính tả",
            "document": (io.BytesIO(PDF), "giay-khai-sinh.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert name.status_code == 302
    with app.app_context():
        cpd_id = db.session.scalar(sa.select(CpdRecord.id))
        name_id = db.session.scalar(sa.select(NameChangeRequest.id))
        db.session.remove()
    cpd_url = f"/requests/cpd/{cpd_id}/document"
    name_url = f"/requests/name-change/{name_id}/document"
    assert client.get(cpd_url).data == PDF  # the expert downloads their own
    assert client.get(name_url).data == PDF
    officer = _signed_in(app, "officer")
    assert cpd_url in officer.get("/directorate/queue/cpd").text
    assert "chung-nhan-hoi-thao.pdf" in officer.get("/directorate/queue/cpd").text
    assert name_url in officer.get("/directorate/queue/name_changes").text
    assert officer.get(name_url).data == PDF
    assert _signed_in(app, "auditor").get(cpd_url).data == PDF
    for role in ("centre_staff", "admin", "expert"):
        other = _signed_in(app, role)
        assert other.get(cpd_url).status_code == 404, role
        assert other.get(name_url).status_code == 404, role
    assert client.get(f"/requests/other/{cpd_id}/document").status_code == 404


def test_a_document_that_is_not_pdf_or_image_is_refused_and_nothing_is_written(app, client):
    email, _expert_id = _certified_expert(app)
    sign_in(client, email)
    response = client.post(
        "/me/cpd",
        data={
            "activity": "Hội thảo",
            "hours": "8",
            "completed_on": today().isoformat(),
            "document": (io.BytesIO(b"MZ not a document"), "virus.exe"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Chỉ chấp nhận tài liệu PDF, JPEG hoặc PNG." in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CpdRecord)) == 0
