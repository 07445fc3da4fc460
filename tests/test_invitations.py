"""Records applied for on someone's behalf are claimed through a mailed invitation."""

import sqlalchemy as sa

from registry.auth.models import User
from registry.experts.models import Expert
from registry.extensions import db
from tests.conftest import create_account, sign_in
from tests.factories import TEST_PASSWORD
from tests.links import mailed_path
from tests.test_lifecycle_web import APPLICATION

VICTIM = "nhung@example.vn"
PASSWORD = "mây trắng bay qua đỉnh núi"
IMPOSTOR_PASSWORD = "một con đường dài xanh"
CHOSEN = {"new_password": PASSWORD, "confirm": PASSWORD}


def _apply_on_behalf(app):
    officer = create_account(app, "officer")
    client = app.test_client()
    sign_in(client, officer.email)
    assert (
        client.post("/directorate/apply", data={**APPLICATION, "email": VICTIM}).status_code == 302
    )
    with app.app_context():
        expert_id = db.session.scalar(sa.select(Expert.id).where(Expert.email == VICTIM))
        db.session.remove()
    return expert_id


def _holder(app, expert_id):
    with app.app_context():
        return db.session.get(Expert, expert_id).user_id


def test_the_person_claims_the_record_by_setting_a_password(app, client):
    expert_id = _apply_on_behalf(app)
    assert _holder(app, expert_id) is None
    path = mailed_path(app, "invitation", VICTIM)
    assert "Nguyễn Thị Hồng Nhung" in client.get(path).get_data(as_text=True)
    assert client.post(path, data=CHOSEN).location.endswith("/login")
    assert _holder(app, expert_id) is not None
    assert sign_in(client, VICTIM, PASSWORD).status_code == 302
    assert client.get("/me").status_code == 200  # confirmed: the link reached the mailbox
    assert client.get(f"/experts/{expert_id}").status_code == 200
    assert app.test_client().get(path).status_code == 404  # claimed: the link is used up


def test_an_impostor_who_signed_up_earlier_with_the_email_does_not_get_the_record(app):
    impostor = app.test_client()
    sign_up = {"full_name": "Kẻ Mạo Danh", "email": VICTIM}
    impostor.post(
        "/signup", data={**sign_up, "password": IMPOSTOR_PASSWORD, "confirm": IMPOSTOR_PASSWORD}
    )
    expert_id = _apply_on_behalf(app)
    assert _holder(app, expert_id) is None
    assert impostor.get(f"/experts/{expert_id}").location.endswith("/account/confirm")
    assert impostor.get("/me").location.endswith("/account/confirm")
    # The person who reads the mailbox claims the record; the impostor loses the account.
    victim = app.test_client()
    victim.post(mailed_path(app, "invitation", VICTIM), data=CHOSEN)
    assert impostor.get("/me").status_code == 302
    assert impostor.get("/me").location.startswith("/login")  # signed out
    assert sign_in(app.test_client(), VICTIM, IMPOSTOR_PASSWORD).status_code == 200
    assert sign_in(victim, VICTIM, PASSWORD).status_code == 302
    assert victim.get(f"/experts/{expert_id}").status_code == 200
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == VICTIM))
        assert user.full_name == "Nguyễn Thị Hồng Nhung"


def test_a_staff_account_with_the_email_cannot_claim_a_record(app, client):
    create_account(app, "officer", email=VICTIM)
    expert_id = _apply_on_behalf(app)
    response = client.post(mailed_path(app, "invitation", VICTIM), data=CHOSEN)
    assert response.status_code == 409
    assert _holder(app, expert_id) is None
    assert sign_in(client, VICTIM, TEST_PASSWORD).status_code == 302  # password unchanged


def test_a_weak_password_claims_nothing(app, client):
    expert_id = _apply_on_behalf(app)
    weak = {"new_password": "1234567890ab", "confirm": "1234567890ab"}
    assert client.post(mailed_path(app, "invitation", VICTIM), data=weak).status_code == 422
    assert _holder(app, expert_id) is None


def test_a_tampered_invitation_claims_nothing(app, client):
    expert_id = _apply_on_behalf(app)
    path = mailed_path(app, "invitation", VICTIM)
    assert client.post(path[:-2] + "xx", data=CHOSEN).status_code == 404
    assert _holder(app, expert_id) is None
