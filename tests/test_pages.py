"""Pages as their users see them: the public home page and the directorate's expert list."""

import unicodedata

from registry.enums import ExpertStatus
from registry.extensions import db
from tests.factories import ExpertFactory

MARKUP_NAME = "Nguyễn Thị <b>Hương</b> & Đặng"


def test_home_explains_the_programme_and_shows_the_targets(client):
    page = client.get("/").text
    assert "TCVN 13751:2023" in page
    assert "ISO/IEC 17024" in page
    for number in ("600", "1000", "200"):
        assert f"0/{number}" in page


def test_expert_names_with_markup_are_stored_nfc_and_shown_escaped(app, client, login_as):
    with app.app_context():
        expert = ExpertFactory(full_name=unicodedata.normalize("NFD", MARKUP_NAME))
        db.session.commit()
        assert expert.full_name == MARKUP_NAME
        expert_id = expert.id
    login_as("officer")
    for url in ("/experts", f"/experts/{expert_id}"):
        page = client.get(url).text
        assert "Nguyễn Thị &lt;b&gt;Hương&lt;/b&gt; &amp; Đặng" in page
        assert "<b>Hương</b>" not in page


def test_expert_search_is_accent_insensitive_and_filters_by_status(app, client, login_as):
    with app.app_context():
        ExpertFactory(full_name="Khổng Văn Ất")
        ExpertFactory(full_name="Trần Thị Bé", status=ExpertStatus.REJECTED)
        db.session.commit()
    login_as("auditor")
    page = client.get("/experts?q=khong van at").text
    assert "Khổng Văn Ất" in page
    assert "Trần Thị Bé" not in page
    page = client.get("/experts?status=rejected").text
    assert "Trần Thị Bé" in page
    assert "Khổng Văn Ất" not in page


def test_expert_sees_their_own_record_and_not_someone_elses(app, client, login_as):
    account = login_as("expert")
    with app.app_context():
        mine = ExpertFactory(user_id=account.id, full_name="Lê Thị Của Tôi")
        other = ExpertFactory(full_name="Người Khác")
        db.session.commit()
        other_id = other.id
        assert mine.user_id == account.id
    assert "Lê Thị Của Tôi" in client.get("/me").text
    assert client.get(f"/experts/{other_id}").status_code == 404


def test_a_locked_sqlite_database_is_a_503_that_saves_nothing(app, client, monkeypatch):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from registry.auth import routes

    def locked(*_args, **_kwargs):
        raise OperationalError(
            "UPDATE users ...", {}, sqlite3.OperationalError("database is locked")
        )

    monkeypatch.setattr(routes, "authenticate", locked)
    response = client.post("/login", data={"email": "a@example.vn", "password": "whatever it is"})
    assert response.status_code == 503
    assert "Chưa có dữ liệu nào được lưu" in response.text
