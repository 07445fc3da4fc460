"""The API endpoints of phase 1: health, me, experts (list and one), targets."""

from datetime import date, timedelta

import pytest

from registry.certificates.service import issue_certificate
from registry.enums import CertificateLevel, ExpertStatus
from registry.experts.models import StatusChange
from registry.extensions import db
from registry.targets.counting import today
from tests.conftest import make_app
from tests.factories import CourseFactory, EnrolmentFactory, ExpertFactory


def test_health_says_ok_when_the_database_answers(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_health_says_503_when_the_database_is_down(tmp_path):
    # Nothing listens on port 1: the connection is refused at once.
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:1/nowhere", tmp_path)
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "error"}


def test_me_describes_the_tokens_user(client, api_as):
    account, headers = api_as("centre_staff")
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200
    assert response.json == {
        "id": account.id,
        "email": account.email,
        "role": "centre_staff",
        "centre": account.centre_code,
    }
    _, headers = api_as("officer")
    assert client.get("/api/v1/me", headers=headers).json["centre"] is None


def test_me_needs_a_token(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def _experts(app):
    with app.app_context():
        ExpertFactory(full_name="Nguyễn Văn A", province="Hà Nội")
        ExpertFactory(full_name="Trần Thị Bé", province="Đà Nẵng", status=ExpertStatus.TRAINED)
        ExpertFactory(full_name="Nguyễn Văn Anh", province="Đà Nẵng")
        db.session.commit()


def test_experts_list_filters_by_status_province_and_accent_insensitive_name(app, client, api_as):
    _experts(app)
    _, headers = api_as("auditor")

    def names(query):
        response = client.get(f"/api/v1/experts{query}", headers=headers)
        assert response.status_code == 200, response.json
        return [item["full_name"] for item in response.json["items"]]

    assert names("") == ["Nguyễn Văn A", "Nguyễn Văn Anh", "Trần Thị Bé"]
    assert names("?q=nguyen van a") == ["Nguyễn Văn A", "Nguyễn Văn Anh"]
    assert names("?q=NGUYỄN VĂN ANH") == ["Nguyễn Văn Anh"]
    assert names("?status=trained") == ["Trần Thị Bé"]
    assert names("?province=Đà Nẵng") == ["Nguyễn Văn Anh", "Trần Thị Bé"]
    assert names("?province=Đà Nẵng&q=nguyen") == ["Nguyễn Văn Anh"]
    assert names("?q=100%") == []  # LIKE wildcards are searched for literally


def test_experts_list_is_paginated(app, client, api_as):
    with app.app_context():
        for _ in range(53):
            ExpertFactory()
        db.session.commit()
    _, headers = api_as("officer")
    first = client.get("/api/v1/experts", headers=headers).json
    assert (first["page"], first["per_page"], first["total"], first["pages"]) == (1, 50, 53, 2)
    assert len(first["items"]) == 50
    second = client.get("/api/v1/experts?page=2", headers=headers).json
    assert len(second["items"]) == 3
    assert {i["id"] for i in first["items"]}.isdisjoint(i["id"] for i in second["items"])
    assert client.get("/api/v1/experts?page=9", headers=headers).json["items"] == []


@pytest.mark.parametrize(
    "query",
    [
        "?status=famous",
        "?page=0",
        "?page=two",
        "?page=-1",
        "?q=%00",
        "?q=" + "a" * 101,
        "?q=<script>",
        "?status=",
    ],
)
def test_experts_list_refuses_bad_parameters_with_400(client, api_as, query):
    _, headers = api_as("officer")
    response = client.get(f"/api/v1/experts{query}", headers=headers)
    assert response.status_code == 400
    error = response.json["error"]
    assert error["code"] == "invalid_parameter"
    assert set(error["fields"]) <= {"status", "page", "q", "stauts"}
    assert error["message"]


def test_centre_staff_list_no_experts_their_rosters_show_what_they_need(app, client, api_as):
    with app.app_context():
        ours = CourseFactory()
        theirs = CourseFactory()
        EnrolmentFactory(course=ours, expert=ExpertFactory(full_name="Lê Thị Của Chúng Tôi"))
        EnrolmentFactory(course=theirs, expert=ExpertFactory(full_name="Phạm Văn Nơi Khác"))
        ExpertFactory(full_name="Hồ Chưa Học")
        db.session.commit()
        centre_id = ours.centre_id
    _, headers = api_as("centre_staff", centre_id=centre_id)
    response = client.get("/api/v1/experts", headers=headers)
    # Enrolling someone no longer opens their record (issue 15): not even the enrolled.
    assert response.status_code == 403
    assert "Lê Thị" not in response.text and "Phạm Văn" not in response.text


def test_expert_detail_has_profile_status_and_history(app, client, api_as):
    account, headers = api_as("expert")
    with app.app_context():
        expert = ExpertFactory(
            user_id=account.id,
            full_name="Vũ Thị Hạnh",
            date_of_birth=date(1985, 7, 14),
            status=ExpertStatus.CERTIFIED,
        )
        db.session.flush()
        for before, after, reason in [
            (None, ExpertStatus.APPLIED, None),
            (ExpertStatus.APPLIED, ExpertStatus.TRAINED, "Hoàn thành khóa học"),
            (ExpertStatus.TRAINED, ExpertStatus.CERTIFIED, "Đạt kỳ thi"),
        ]:
            db.session.add(
                StatusChange(expert=expert, from_status=before, to_status=after, reason=reason)
            )
        db.session.commit()
        expert_id = expert.id
    response = client.get(f"/api/v1/experts/{expert_id}", headers=headers)
    assert response.status_code == 200
    body = response.json
    assert body["id"] == expert_id
    assert body["full_name"] == "Vũ Thị Hạnh"
    assert body["status"] == "certified"
    assert body["date_of_birth"] == "1985-07-14"
    assert body["organisation_type"] == "enterprise"
    assert [(h["from"], h["to"]) for h in body["history"]] == [
        (None, "applied"),
        ("applied", "trained"),
        ("trained", "certified"),
    ]
    assert body["history"][2]["reason"] == "Đạt kỳ thi"


def test_unknown_and_out_of_range_expert_ids_are_404(client, api_as):
    _, headers = api_as("officer")
    for path in ("/api/v1/experts/999999", f"/api/v1/experts/{2**31}", "/api/v1/experts/x"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404, path
        assert response.json["error"]["code"] == "not_found"


def test_targets_report_progress_as_of_a_day(app, client):
    with app.app_context():
        expert = ExpertFactory(status=ExpertStatus.CERTIFIED)
        db.session.flush()
        issue_certificate(expert, CertificateLevel.NATIONAL, actor=None, issued_on=date(2026, 5, 4))
        db.session.commit()
    body = client.get("/api/v1/targets?as_of=2026-06-30").json
    certified = next(t for t in body if t["key"] == "certified_2026_2030")
    assert certified["achieved"] == 1
    assert certified["target"] == 1000
    assert certified["period"] == {"start": "2026-01-01", "end": "2030-12-31"}
    assert certified["percent"] == 0.1
    assert certified["projected_on"] is None
    before = client.get("/api/v1/targets?as_of=2026-05-03").json
    assert next(t for t in before if t["key"] == "certified_2026_2030")["achieved"] == 0


def test_targets_count_a_future_day_as_today_and_refuse_a_bad_day(client):
    later = (today() + timedelta(days=4000)).isoformat()
    assert client.get(f"/api/v1/targets?as_of={later}").json == client.get("/api/v1/targets").json
    assert client.get("/api/v1/targets?as_of=9999-12-31").status_code == 200
    for bad in ("2026-02-30", "30/06/2026", "20260630", ""):
        response = client.get(f"/api/v1/targets?as_of={bad}", headers={"Accept-Language": "en"})
        assert response.status_code == 400, bad
        assert response.json["error"]["fields"] == {"as_of": "must be a date written YYYY-MM-DD"}


def test_target_labels_follow_accept_language(client):
    vietnamese = client.get("/api/v1/targets").json[0]["label"]
    english = client.get("/api/v1/targets", headers={"Accept-Language": "en"}).json[0]["label"]
    assert vietnamese != english
