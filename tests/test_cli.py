"""The `flask --app wsgi registry ...` commands of SPEC §9."""

import sqlalchemy as sa

from registry.auth.models import User
from registry.centres.models import TrainingCentre
from registry.certificates.models import Certificate
from registry.enums import ExpertStatus
from registry.experts.models import Expert, StatusChange
from registry.extensions import db


def test_create_centre_and_staff_user(app, runner):
    result = runner.invoke(
        args=[
            "registry",
            "create-centre",
            "--code",
            "qn01",
            "--name",
            "Trung tâm Năng suất Quảng Ninh",
            "--province",
            "Quảng Ninh",
            "--approved-until",
            "2029-06-30",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "QN01" in result.output
    result = runner.invoke(
        args=[
            "registry",
            "create-user",
            "--email",
            "qn@example.vn",
            "--role",
            "centre_staff",
            "--centre",
            "qn01",
            "--name",
            "Vũ Thị Quỳnh",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Initial password: " in result.output
    password = result.output.split("Initial password: ")[1].strip()
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "qn@example.vn"))
        assert user.centre.code == "QN01"
        assert user.check_password(password)


def test_create_user_refuses_bad_input_and_writes_nothing(app, runner):
    result = runner.invoke(
        args=["registry", "create-user", "--email", "a@example.vn", "--role", "centre_staff"]
    )
    assert result.exit_code != 0
    assert "phải thuộc một cơ sở đào tạo" in result.output
    result = runner.invoke(
        args=[
            "registry",
            "create-user",
            "--email",
            "a@example.vn",
            "--role",
            "officer",
            "--centre",
            "NOPE",
        ]
    )
    assert result.exit_code != 0
    assert "No training centre with code NOPE" in result.output
    result = runner.invoke(
        args=["registry", "create-user", "--email", "a@example.vn", "--role", "wizard"]
    )
    assert result.exit_code != 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_create_centre_refuses_a_duplicate_code(runner):
    args = ["registry", "create-centre", "--code", "X1", "--name", "A", "--province", "Huế"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert "Mã này đã được một cơ sở đào tạo khác sử dụng." in result.output


def test_seed_demo_fills_every_state_with_vietnamese_data(app, runner):
    result = runner.invoke(args=["registry", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert "canbo@nscl.gov.vn" in result.output
    with app.app_context():
        states = set(db.session.scalars(sa.select(Expert.status).distinct()))
        assert states == set(ExpertStatus)
        assert db.session.scalar(sa.select(sa.func.count(Expert.id))) >= 40
        assert db.session.scalar(sa.select(sa.func.count(TrainingCentre.id))) == 4
        provinces = set(db.session.scalars(sa.select(TrainingCentre.province)))
        assert {"Hà Nội", "Hồ Chí Minh", "Đà Nẵng", "Cần Thơ"} == provinces
        names = list(db.session.scalars(sa.select(Expert.full_name)))
        assert any(ch in "".join(names) for ch in "ễạốữ")
        # every expert's history ends in its current state
        for expert in db.session.scalars(sa.select(Expert)):
            last = db.session.scalar(
                sa.select(StatusChange.to_status)
                .where(StatusChange.expert_id == expert.id)
                .order_by(StatusChange.id.desc())
                .limit(1)
            )
            assert last == expert.status
        assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) > 0
    # a second run refuses, --if-empty is quiet
    assert runner.invoke(args=["registry", "seed-demo"]).exit_code != 0
    result = runner.invoke(args=["registry", "seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert "already loaded" in result.output


def test_demo_accounts_can_sign_in_and_see_their_navigation(app, runner, client):
    runner.invoke(args=["registry", "seed-demo"])
    expectations = {
        "admin@nscl.gov.vn": "Người dùng",
        "canbo@nscl.gov.vn": "Chuyên gia",
        "kiemtoan@nscl.gov.vn": "Nhật ký kiểm tra",
        "hn01@trungtam.vn": "Trung tâm của tôi",
        "chuyengia@example.vn": "Hồ sơ của tôi",
    }
    for email, nav_item in expectations.items():
        response = client.post(
            "/login", data={"email": email, "password": "demo-nscl-2026"}, follow_redirects=True
        )
        assert response.status_code == 200, email
        assert nav_item in response.text, email
        client.post("/logout")
