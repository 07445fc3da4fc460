"""Who may download a certificate: its holder, officers and auditors; nobody else."""

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.enums import Role
from registry.extensions import db
from registry.models import User
from tests.conftest import create_account, sign_in
from tests.factories import issued_certificate


def _certificate_of(app, user_id=None, **expert_kwargs):
    with app.app_context():
        certificate = issued_certificate(user_id=user_id, **expert_kwargs)
        db.session.commit()
        number = certificate.number
        db.session.remove()
    return number


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("holder", 200),
        ("other_expert", 404),
        ("centre_staff", 404),
        ("admin", 404),
        ("officer", 200),
        ("auditor", 200),
    ],
)
def test_download_permissions(app, client, login_as, who, expected):
    holder = create_account(app, "expert")
    number = _certificate_of(app, user_id=holder.id)
    if who == "holder":
        sign_in(client, holder.email)
    elif who == "other_expert":
        other = login_as("expert")
        _certificate_of(app, user_id=other.id)  # another expert, with a certificate of their own
    else:
        login_as(who)
    response = client.get(f"/certificates/{number}.pdf")
    assert response.status_code == expected
    with app.app_context():
        logged = db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.action == "certificate.downloaded"
            )
        )
    assert logged == (1 if expected == 200 else 0)


def test_anonymous_visitors_are_sent_to_sign_in(app, client):
    number = _certificate_of(app)
    response = client.get(f"/certificates/{number}.pdf")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_each_download_is_logged_with_its_actor(app, client, login_as):
    number = _certificate_of(app)
    auditor = login_as("auditor")
    client.get(f"/certificates/{number}.pdf")
    with app.app_context():
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "certificate.downloaded")
        )
        assert event.actor_id == auditor.id
        assert event.details["number"] == number


def test_unknown_or_unissued_certificates_are_not_found(app, client, login_as):
    with app.app_context():
        app.config["REGISTRY_CERTIFICATES_RENDER_AT_ISSUE"] = False
        pending = issued_certificate()
        db.session.commit()
        number = pending.number
    login_as("officer")
    assert client.get(f"/certificates/{number}.pdf").status_code == 404
    assert client.get("/certificates/NSCL-QG-2026-99999.pdf").status_code == 404


def test_the_holder_finds_a_download_link_on_their_page(app, client):
    holder = create_account(app, "expert")
    number = _certificate_of(app, user_id=holder.id)
    sign_in(client, holder.email)
    page = client.get("/me").get_data(as_text=True)
    assert f"/certificates/{number}.pdf" in page


def test_an_officer_sees_the_link_on_the_record_and_a_pending_note(app, client, login_as):
    with app.app_context():
        certificate = issued_certificate()
        expert_id, number = certificate.expert_id, certificate.number
        app.config["REGISTRY_CERTIFICATES_RENDER_AT_ISSUE"] = False
        issued_certificate(certificate.expert, actor=db.session.scalar(sa.select(User)))
        db.session.commit()
    login_as(Role.OFFICER.value)
    page = client.get(f"/experts/{expert_id}").get_data(as_text=True)
    assert f"/certificates/{number}.pdf" in page
    assert "giấy chứng nhận đang chờ cấp" in page
