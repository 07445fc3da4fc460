"""Administrator pages: accounts and training centres, validated and audited."""

import unicodedata

import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.auth.models import User
from registry.centres.models import TrainingCentre
from registry.extensions import db
from tests.conftest import sign_in
from tests.factories import CentreFactory, UserFactory

MARKUP_NAME = "Nguyễn Thị <b>Hương</b> & Đặng"


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_admin_creates_a_centre_and_a_staff_account_who_can_then_sign_in(app, client, login_as):
    login_as("admin")
    response = client.post(
        "/admin/centres",
        data={
            "code": "hp01",
            "name": "Trung tâm Năng suất Hải Phòng",
            "province": "Hải Phòng",
            "approved_until": "2029-12-31",
            "active": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        centre = db.session.scalar(sa.select(TrainingCentre).where(TrainingCentre.code == "HP01"))
        centre_id = centre.id
    response = client.post(
        "/admin/users",
        data={
            "email": "Staff@HP.vn",
            "full_name": "Trần Văn Hải",
            "role": "centre_staff",
            "centre_id": centre_id,
            "password": "a long initial password",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        actions = list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))
        assert actions[-2:] == ["admin.centre_created", "admin.user_created"]
    other = app.test_client()
    assert sign_in(other, "staff@hp.vn", "a long initial password").status_code == 302
    assert other.get("/centres/mine").headers["Location"] == "/centres/HP01"


def test_centre_staff_without_a_centre_is_refused_and_nothing_is_written(app, client, login_as):
    login_as("admin")
    with app.app_context():
        before = _count(User)
    response = client.post(
        "/admin/users",
        data={
            "email": "x@hp.vn",
            "full_name": "Không Trung Tâm",
            "role": "centre_staff",
            "centre_id": 0,
            "password": "a long initial password",
        },
    )
    assert response.status_code == 200
    assert "Cán bộ cơ sở đào tạo phải thuộc một cơ sở đào tạo." in response.text
    with app.app_context():
        assert _count(User) == before


def test_duplicate_email_and_short_password_are_refused(app, client, login_as):
    admin = login_as("admin")
    response = client.post(
        "/admin/users",
        data={
            "email": admin.email.upper(),
            "full_name": "Trùng Email",
            "role": "officer",
            "centre_id": 0,
            "password": "a long initial password",
        },
    )
    assert "Đã có tài khoản dùng email này." in response.text
    response = client.post(
        "/admin/users",
        data={
            "email": "new@example.vn",
            "full_name": "Mật Khẩu Ngắn",
            "role": "officer",
            "centre_id": 0,
            "password": "short",
        },
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "new@example.vn")) is None


def test_duplicate_centre_code_is_refused(app, client, login_as):
    with app.app_context():
        CentreFactory(code="DUP01")
        db.session.commit()
    login_as("admin")
    response = client.post(
        "/admin/centres",
        data={"code": "dup01", "name": "Trùng mã", "province": "Huế", "active": "y"},
    )
    assert "Mã này đã được một cơ sở đào tạo khác sử dụng." in response.text


def test_a_centre_whose_approval_has_ended_cannot_be_created(app, client, login_as):
    login_as("admin")
    response = client.post(
        "/admin/centres",
        data={
            "code": "OLD01",
            "name": "Hết hạn",
            "province": "Huế",
            "approved_until": "2020-12-31",
            "active": "y",
        },
    )
    assert "Ngày công nhận 2020-12-31 đã qua" in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(TrainingCentre.id)) is None


def test_names_are_stored_nfc_and_shown_escaped(app, client, login_as):
    login_as("admin")
    decomposed = unicodedata.normalize("NFD", MARKUP_NAME)
    assert decomposed != MARKUP_NAME
    client.post(
        "/admin/users",
        data={
            "email": "markup@example.vn",
            "full_name": decomposed,
            "role": "auditor",
            "centre_id": 0,
            "password": "a long initial password",
        },
    )
    with app.app_context():
        stored = db.session.scalar(
            sa.select(User.full_name).where(User.email == "markup@example.vn")
        )
    assert stored == MARKUP_NAME
    page = client.get("/admin/users").text
    assert "Nguyễn Thị &lt;b&gt;Hương&lt;/b&gt; &amp; Đặng" in page
    assert "<b>Hương</b>" not in page


def test_admin_edits_a_centre(app, client, login_as):
    with app.app_context():
        centre = CentreFactory(code="ED01", name="Tên cũ")
        db.session.commit()
        centre_id = centre.id
    login_as("admin")
    response = client.post(
        f"/admin/centres/{centre_id}",
        data={"code": "ED01", "name": "Tên mới", "province": "Đà Nẵng"},
    )
    assert response.status_code == 302
    with app.app_context():
        centre = db.session.get(TrainingCentre, centre_id)
        assert (centre.name, centre.province, centre.active) == ("Tên mới", "Đà Nẵng", False)


def test_users_and_centres_lists_are_searched_and_paged(app, client, login_as):
    with app.app_context():
        for n in range(55):
            CentreFactory(code=f"HN{n:02d}", name=f"Trung tâm {n}")
        CentreFactory(code="DN01", name="Trung tâm Đà Nẵng")
        UserFactory(email="lan.tran@example.vn", full_name="Trần Thị Lan")
        db.session.commit()
    login_as("admin")
    first = client.get("/admin/centres").text
    assert "HN00" in first and "DN01" in first and "HN49" not in first  # 50 a page
    assert "page=2" in first
    assert "HN49" in client.get("/admin/centres?page=2").text
    found = client.get("/admin/centres?q=dn0").text
    assert "DN01" in found and "HN00" not in found
    users = client.get("/admin/users?q=LAN.TRAN").text
    assert "lan.tran@example.vn" in users and "Tìm thấy 1" in users


def test_admin_keeps_the_course_catalogue(app, client, login_as):
    from registry.centres.models import Topic

    login_as("admin")
    assert "Danh mục khóa học" in client.get("/admin/topics").text
    response = client.post(
        "/admin/topics",
        data={"code": "lean_6s", "name_vi": "Lean 6 Sigma", "name_en": "Lean Six Sigma"},
    )
    assert response.status_code == 302
    again = client.post(
        "/admin/topics", data={"code": "lean_6s", "name_vi": "Trùng", "name_en": "Dup"}
    )
    assert "Mã này đã được một chủ đề khác sử dụng." in again.text
    bad = client.post("/admin/topics", data={"code": "Lean 6S", "name_vi": "x", "name_en": "x"})
    assert "Mã chủ đề gồm 2 đến 40 chữ thường" in bad.text
    with app.app_context():
        topic_id = db.session.scalar(sa.select(Topic.id).where(Topic.code == "lean_6s"))
    client.post(
        f"/admin/topics/{topic_id}",
        data={"name_vi": "Lean Six Sigma (6σ)", "name_en": "Lean Six Sigma"},
    )
    assert client.post(f"/admin/topics/{topic_id}/retire").status_code == 302
    with app.app_context():
        topic = db.session.get(Topic, topic_id)
        assert (topic.name_vi, topic.retired) == ("Lean Six Sigma (6σ)", True)
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.object_type == "topic")
        ).all()
    assert actions == ["admin.topic_created", "admin.topic_renamed", "admin.topic_retired"]


def test_a_retired_topic_is_not_offered_for_a_new_course(ctx_en):
    import pytest

    from registry.centres.service import CentreError, save_course
    from tests.factories import CourseFactory, staff_of, topic

    course = CourseFactory()
    retired = topic("5s")
    retired.retired = True
    db.session.flush()
    fields = {
        "code": "NEW-1",
        "title": "Khóa mới",
        "topic": retired,
        "level": course.level,
        "starts_on": course.starts_on,
        "ends_on": course.ends_on,
        "hours": 40,
        "capacity": 20,
        "trainers": "",
        "actor": staff_of(course.centre),
    }
    with pytest.raises(CentreError, match="The topic 5s is retired"):
        save_course(course.centre, None, **fields)
