"""People's rights over their data: the expert reads everything held about them (HTML and
JSON) and corrects their contact data and listing consent at any state."""

import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.cases import appeals, notices
from registry.enums import ExpertStatus, Role
from registry.experts.lifecycle import transition
from registry.experts.models import Expert
from registry.extensions import db
from tests.conftest import create_account, sign_in
from tests.factories import UserFactory, Walk


def _listed_expert(app, monkeypatch, *, suspended=False):
    monkeypatch.setattr(notices, "send", lambda _notice: None)
    with app.app_context():
        walk = Walk()
        user = UserFactory(role=Role.EXPERT)
        expert = walk.certified(
            user=user, email=user.email, full_name="Lê Thị Minh Châu", consent_public_listing=True
        )
        if suspended:
            change = transition(
                expert,
                ExpertStatus.SUSPENDED,
                actor=walk.officer,
                reason="Ghi chú nội bộ",
                evidence={"review_on": "2099-01-01", "reason_code": "requirements_no_longer_met"},
            ).change
            appeals.file_appeal(expert, change, actor=user, grounds="Tôi đã bổ sung hồ sơ.")
        db.session.commit()
        return expert.id, user.email


def test_withdrawing_consent_takes_the_expert_off_the_register_at_once(app, client, monkeypatch):
    expert_id, email = _listed_expert(app, monkeypatch)
    assert "Lê Thị Minh Châu" in client.get("/register").get_data(as_text=True)
    sign_in(client, email)
    response = client.post("/me/data", data={"phone": "0912 345 678", "organisation": "Công ty B"})
    assert response.status_code == 302
    client.post("/logout")
    assert "Lê Thị Minh Châu" not in client.get("/register").get_data(as_text=True)
    with app.app_context():
        expert = db.session.get(Expert, expert_id)
        assert (expert.consent_public_listing, expert.phone, expert.organisation) == (
            False,
            "0912 345 678",
            "Công ty B",
        )
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "expert.contact_corrected")
        )
        assert event.details["changed"] == ["consent_public_listing", "organisation", "phone"]


def test_contact_data_is_corrected_in_any_state(app, client, monkeypatch):
    expert_id, email = _listed_expert(app, monkeypatch, suspended=True)
    sign_in(client, email)
    response = client.post(
        "/me/data",
        data={"organisation": "Viện C", "consent_public_listing": "y"},
    )
    assert response.status_code == 302
    with app.app_context():
        expert = db.session.get(Expert, expert_id)
        assert expert.status == ExpertStatus.SUSPENDED and expert.organisation == "Viện C"


def test_an_empty_organisation_is_refused_and_nothing_changes(app, client, monkeypatch):
    expert_id, email = _listed_expert(app, monkeypatch)
    sign_in(client, email)
    assert client.post("/me/data", data={"organisation": ""}).status_code == 422
    with app.app_context():
        assert db.session.get(Expert, expert_id).consent_public_listing is True


def test_the_export_holds_profile_history_certificates_and_cases(app, client, monkeypatch):
    _expert_id, email = _listed_expert(app, monkeypatch, suspended=True)
    sign_in(client, email)
    response = client.get("/me/data.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    assert data["profile"]["full_name"] == "Lê Thị Minh Châu"
    assert data["account"]["email"] == email
    assert [h["to"] for h in data["history"]][-1] == "suspended"
    assert data["history"][-1]["reason_code"] == "requirements_no_longer_met"
    assert data["certificates"] and data["certificates"][0]["status"] == "suspended"
    assert [c["grounds"] for c in data["cases"]] == ["Tôi đã bổ sung hồ sơ."]
    page = client.get("/me/data").get_data(as_text=True)
    assert "Lê Thị Minh Châu" in page and "Tôi đã bổ sung hồ sơ." in page  # readable, not \\u


def test_only_the_expert_reads_their_data(app, client, monkeypatch):
    _listed_expert(app, monkeypatch)
    for role in ("officer", "auditor", "centre_staff"):
        sign_in(client, create_account(app, role).email)
        assert client.get("/me/data.json").status_code == 403
        client.post("/logout")
    sign_in(client, create_account(app, "expert").email)  # an expert with no record
    assert client.get("/me/data.json").status_code == 404
