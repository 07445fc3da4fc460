"""Province from the 34 units in force, sector from the list the admin keeps: on the web,
on the API, on the command line, in the breakdowns, and the admin's pages of sectors and
of stored values to fix."""

import re
from datetime import date

import pytest
import sqlalchemy as sa

from registry.admin.catalogue import add_sector, rename_sector, set_sector_retired
from registry.admin.service import AdminError
from registry.audit.models import AuditEvent
from registry.centres.models import TrainingCentre
from registry.experts.contact import update_contact_details
from registry.experts.lifecycle import IncompleteRequest
from registry.experts.models import Expert
from registry.extensions import db
from registry.provinces import PROVINCES
from registry.sectors import Sector
from registry.targets.counting import breakdowns, load_targets
from registry.text import vietnamese_order
from tests.factories import CentreFactory, ExpertFactory, UserFactory, certify

APPLICATION = {
    "full_name": "Lê Thị Thu Trang",
    "date_of_birth": "1986-05-20",
    "email": "trang.le@example.vn",
    "organisation": "Công ty CP Cơ khí Sài Gòn",
    "organisation_type": "enterprise",
    "province": "Hồ Chí Minh",
    "sector": "Cơ khí chế tạo",
    "highest_degree": "Kỹ sư",
    "years_experience": "9",
    "consent_scheme_rules": "y",
}
API_APPLICATION = {**APPLICATION, "years_experience": 9, "consent_scheme_rules": True}


def _experts(app):
    with app.app_context():
        rows = db.session.execute(sa.select(Expert.email, Expert.province, Expert.sector)).all()
        db.session.remove()
    return {email: (province, sector) for email, province, sector in rows}


def _options(page, name):
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group()
    return re.findall(r'<option[^>]*value="([^"]*)"', select)


def _retire(app, name):
    with app.app_context():
        sector = db.session.scalar(sa.select(Sector).where(Sector.name == name))
        set_sector_retired(sector, True, actor=None)
        db.session.commit()
        db.session.remove()


# --- the list of units and its order --------------------------------------------------


def test_vietnamese_order_puts_letters_with_marks_after_their_base_letter():
    assert sorted(["Cần Thơ", "Cao Bằng", "Cà Mau"], key=vietnamese_order) == [
        "Cà Mau",
        "Cao Bằng",
        "Cần Thơ",
    ]
    assert sorted(["Lâm Đồng", "Lào Cai", "Lạng Sơn", "Lai Châu"], key=vietnamese_order) == [
        "Lai Châu",
        "Lạng Sơn",
        "Lào Cai",
        "Lâm Đồng",
    ]
    assert sorted(
        ["Hưng Yên", "Huế", "Hồ Chí Minh", "Hải Phòng", "Hà Tĩnh"], key=vietnamese_order
    ) == [
        "Hà Tĩnh",
        "Hải Phòng",
        "Hồ Chí Minh",
        "Huế",
        "Hưng Yên",
    ]


def test_the_web_form_offers_the_34_units_in_vietnamese_order_and_the_offered_sectors(
    app, client, login_as
):
    login_as("officer")
    _retire(app, "Logistics")
    page = client.get("/directorate/apply").get_data(as_text=True)
    assert _options(page, "province") == ["", *PROVINCES]
    assert len(PROVINCES) == 34 and PROVINCES.index("Cao Bằng") < PROVINCES.index("Cần Thơ")
    sectors = _options(page, "sector")
    assert "Cơ khí chế tạo" in sectors and "Logistics" not in sectors


# --- the web ------------------------------------------------------------------------------


def test_the_web_refuses_an_unknown_province_and_writes_nothing(app, client, login_as):
    login_as("officer")
    response = client.post("/directorate/apply", data={**APPLICATION, "province": "Atlantis"})
    assert response.status_code == 422
    assert "“Atlantis” không phải là một trong 34 tỉnh" in response.get_data(as_text=True)
    assert _experts(app) == {}


def test_the_web_maps_an_old_province_name_to_the_unit_in_force(app, client, login_as):
    login_as("officer")
    response = client.post("/directorate/apply", data={**APPLICATION, "province": "tỉnh nam định"})
    assert response.status_code == 302
    assert _experts(app) == {"trang.le@example.vn": ("Ninh Bình", "Cơ khí chế tạo")}


def test_the_web_refuses_a_retired_sector(app, client, login_as):
    login_as("officer")
    _retire(app, "Logistics")
    response = client.post("/directorate/apply", data={**APPLICATION, "sector": "Logistics"})
    assert response.status_code == 422
    assert "“Logistics” không có trong danh sách lĩnh vực" in response.get_data(as_text=True)
    assert _experts(app) == {}


def test_contact_details_refuse_an_unknown_province_and_a_retired_sector(ctx):
    expert = ExpertFactory(province="Hà Nội")
    officer = UserFactory(role="officer")
    details = {
        "organisation": "Viện Năng suất",
        "organisation_type": "agency",
        "province": "Bình Dương",
        "sector": "y tế",
        "consent_public_listing": False,
    }
    assert "province" in update_contact_details(expert, details, actor=officer)
    assert (expert.province, expert.sector) == ("Hồ Chí Minh", "Y tế")
    with pytest.raises(IncompleteRequest, match="không phải là một trong 34"):
        update_contact_details(expert, {**details, "province": "Sài Gòn Mới"}, actor=officer)
    set_sector_retired(db.session.get(Sector, 1), True, actor=None)
    retired = db.session.get(Sector, 1).name
    with pytest.raises(IncompleteRequest, match="không có trong danh sách lĩnh vực"):
        update_contact_details(expert, {**details, "sector": retired}, actor=officer)


# --- the API --------------------------------------------------------------------------------


def test_the_api_refuses_an_unknown_province_in_vietnamese(app, client, api_as):
    _officer, headers = api_as("officer")
    body = {**API_APPLICATION, "province": "Atlantis"}
    response = client.post("/api/v1/experts", json=body, headers=headers)
    assert response.status_code == 422
    message = response.get_json()["error"]["message"]
    assert "province" in message and "“Atlantis” không phải là một trong 34" in message
    assert _experts(app) == {}


@pytest.mark.parametrize(
    ("typed", "unit"),
    [
        ("TP. HCM", "Hồ Chí Minh"),
        ("Tỉnh Bà Rịa - Vũng Tàu", "Hồ Chí Minh"),
        ("HÀ GIANG", "Tuyên Quang"),
    ],
)
def test_the_api_maps_old_names_to_the_unit_in_force(app, client, api_as, typed, unit):
    _officer, headers = api_as("officer")
    body = {**API_APPLICATION, "province": typed, "sector": "co khi che tao"}
    response = client.post("/api/v1/experts", json=body, headers=headers)
    assert response.status_code == 201
    assert response.get_json()["province"] == unit
    assert _experts(app) == {"trang.le@example.vn": (unit, "Cơ khí chế tạo")}


def test_the_api_refuses_a_sector_not_offered(app, client, api_as):
    _officer, headers = api_as("officer")
    _retire(app, "Logistics")
    for sector in ("Logistics", "Du hành vũ trụ"):
        response = client.post(
            "/api/v1/experts", json={**API_APPLICATION, "sector": sector}, headers=headers
        )
        assert response.status_code == 422
        assert "không có trong danh sách lĩnh vực" in response.get_json()["error"]["message"]
    assert _experts(app) == {}


def test_the_api_filter_by_province_accepts_an_old_name(app, client, api_as):
    with app.app_context():
        ExpertFactory(email="a@example.vn", province="Huế")
        db.session.commit()
    _officer, headers = api_as("officer")
    response = client.get("/api/v1/experts?province=Thừa Thiên Huế", headers=headers)
    assert [e["email"] for e in response.get_json()["items"]] == ["a@example.vn"]
    assert (
        client.get("/api/v1/experts?province=Atlantis", headers=headers).get_json()["items"] == []
    )


# --- the command line and the admin's centres -----------------------------------------------


def test_create_centre_maps_an_old_name_and_refuses_an_unknown_one(app, runner):
    args = ["registry", "create-centre", "--code", "QN01", "--name", "Trung tâm Quảng Nam"]
    result = runner.invoke(args=[*args, "--province", "Tỉnh Quảng Nam"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=[*args[:3], "XX01", *args[4:], "--province", "Atlantis"])
    assert result.exit_code != 0 and "không phải là một trong 34" in result.output
    with app.app_context():
        centres = db.session.execute(sa.select(TrainingCentre.code, TrainingCentre.province))
        assert dict(centres.all()) == {"QN01": "Đà Nẵng"}


def test_the_admin_centre_form_refuses_an_unknown_province(app, client, login_as):
    login_as("admin")
    data = {"code": "ZZ01", "name": "Trung tâm Z", "province": "Atlantis", "active": "y"}
    assert client.post("/admin/centres", data=data).status_code == 200
    data["province"] = "Đà Nẵng"
    assert client.post("/admin/centres", data=data).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(TrainingCentre.province)) == "Đà Nẵng"


# --- breakdowns -----------------------------------------------------------------------------


def test_breakdowns_are_not_split_by_spelling(app, client, api_as):
    _officer, headers = api_as("officer")
    for i, (province, sector) in enumerate(
        [("TP. Hồ Chí Minh", "Dệt may"), ("Hồ Chí Minh", "dệt  MAY"), ("tp hcm", "Det may")]
    ):
        body = {
            **API_APPLICATION,
            "email": f"p{i}@example.vn",
            "full_name": f"Người {i}",
            "province": province,
            "sector": sector,
        }
        assert client.post("/api/v1/experts", json=body, headers=headers).status_code == 201
    with app.app_context():
        for expert in db.session.scalars(sa.select(Expert)):
            certify(expert, date(2026, 6, 1))
        db.session.flush()
        targets = load_targets()
        index = next(i for i, t in enumerate(targets) if t.key == "certified_2026_2030")
        tables = breakdowns(targets, date(2031, 1, 1))

        def counts(dimension):
            return {r.key: r.counts[index] for r in tables[dimension] if r.counts[index]}

        assert counts("province") == {"Hồ Chí Minh": 3}
        assert counts("sector") == {"Dệt may": 3}
        db.session.rollback()


# --- the admin's sectors --------------------------------------------------------------------


def test_admin_adds_renames_and_retires_sectors(app, client, login_as):
    login_as("admin")
    response = client.post("/admin/sectors", data={"name": "Du lịch"}, follow_redirects=True)
    assert "Đã thêm lĩnh vực Du lịch." in response.get_data(as_text=True)
    again = client.post("/admin/sectors", data={"name": "DU LICH"}, follow_redirects=True)
    assert "Lĩnh vực Du lịch đã có." in again.get_data(as_text=True)
    with app.app_context():
        sector = db.session.scalar(sa.select(Sector).where(Sector.name == "Du lịch"))
        ExpertFactory(sector="Du lịch", email="dl@example.vn")
        db.session.commit()
        sector_id = sector.id
    client.post(f"/admin/sectors/{sector_id}", data={"name": "Du lịch - Khách sạn"})
    assert _experts(app)["dl@example.vn"][1] == "Du lịch - Khách sạn"
    client.post(f"/admin/sectors/{sector_id}/retire")
    with app.app_context():
        assert db.session.get(Sector, sector_id).retired
        actions = set(db.session.scalars(sa.select(AuditEvent.action)))
        assert {"admin.sector_created", "admin.sector_renamed", "admin.sector_retired"} <= actions


def test_a_sector_name_must_hold_a_letter_and_differ_from_the_others(ctx):
    with pytest.raises(AdminError):
        add_sector(" - ", actor=None)
    sector = add_sector("Du lịch", actor=None)
    with pytest.raises(AdminError):
        rename_sector(sector, "dệt may", actor=None)


def test_only_the_admin_changes_sectors_and_fixes_values(app, client, login_as):
    login_as("officer")
    assert client.post("/admin/sectors", data={"name": "Du lịch"}).status_code == 403
    assert client.post("/admin/sectors/1/retire").status_code == 403
    data = {"kind": "province", "value": "x", "to": "Huế"}
    assert client.post("/admin/values-to-fix", data=data).status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(Sector).where(Sector.name == "Du lịch")) is None
        assert not db.session.get(Sector, 1).retired


# --- values to fix --------------------------------------------------------------------------


def test_values_to_fix_lists_and_fixes_each_distinct_value_at_once(app, client, login_as):
    with app.app_context():
        ExpertFactory(email="a@example.vn", province="Tỉnh Xứ Đoài")
        ExpertFactory(email="b@example.vn", province="Tỉnh Xứ Đoài", sector="Logistics")
        CentreFactory(code="XD01", province="Tỉnh Xứ Đoài")
        ExpertFactory(email="c@example.vn")
        db.session.commit()
    _retire(app, "Logistics")
    login_as("admin")
    page = client.get("/admin/values-to-fix").get_data(as_text=True)
    assert "Tỉnh Xứ Đoài" in page and "Logistics" in page and "Hà Nội</td>" not in page
    data = {"kind": "province", "value": "Tỉnh Xứ Đoài", "to": "Hà Nội"}
    assert client.post("/admin/values-to-fix", data=data).status_code == 302
    data = {"kind": "sector", "value": "Logistics", "to": "Atlantis"}
    response = client.post("/admin/values-to-fix", data=data, follow_redirects=True)
    assert "Hãy chọn một lĩnh vực trong danh sách." in response.get_data(as_text=True)
    data["to"] = "Y tế"
    client.post("/admin/values-to-fix", data=data)
    assert _experts(app) == {
        "a@example.vn": ("Hà Nội", "Cơ khí chế tạo"),
        "b@example.vn": ("Hà Nội", "Y tế"),
        "c@example.vn": ("Hà Nội", "Cơ khí chế tạo"),
    }
    with app.app_context():
        assert db.session.scalar(sa.select(TrainingCentre.province)) == "Hà Nội"
    page = client.get("/admin/values-to-fix").get_data(as_text=True)
    assert "Xứ Đoài" not in page and "Mọi tỉnh, thành phố đã lưu đều thuộc 34" in page


# --- the migration ----------------------------------------------------------------------------


def test_the_migration_maps_stored_values_and_lists_what_it_cannot(app, client, login_as):
    from flask_migrate import downgrade, upgrade

    stored = {
        "a@example.vn": ("TP. Hồ Chí Minh", "co khi che tao"),
        "b@example.vn": ("Bình Dương", "Tư vấn"),
        "c@example.vn": ("tinh ba ria vung tau", "Tư vấn"),
        "d@example.vn": ("Hà Nội", "tu van"),
        "e@example.vn": ("Xứ Đoài", "-"),
    }
    with app.app_context():
        for email, (province, sector) in stored.items():
            ExpertFactory(email=email, province=province, sector=sector)
        CentreFactory(code="QN01", province="Tỉnh Quảng Nam")
        CentreFactory(code="XX01", province="Atlantis")
        db.session.commit()
        db.session.remove()
        downgrade(revision="20261129_1101")  # the previous head: free text, no sectors
        upgrade()
        sectors = db.session.execute(
            sa.select(Sector.name, Sector.retired).order_by(Sector.sort_order)
        ).all()
        centres = dict(
            db.session.execute(sa.select(TrainingCentre.code, TrainingCentre.province)).all()
        )
        db.session.remove()
    assert _experts(app) == {
        "a@example.vn": ("Hồ Chí Minh", "Cơ khí chế tạo"),
        "b@example.vn": ("Hồ Chí Minh", "Tư vấn"),
        "c@example.vn": ("Hồ Chí Minh", "Tư vấn"),
        "d@example.vn": ("Hà Nội", "Tư vấn"),
        "e@example.vn": ("Xứ Đoài", "-"),  # kept as it was
    }
    assert centres == {"QN01": "Đà Nẵng", "XX01": "Atlantis"}
    assert len(sectors) == 12 and sectors[0] == ("Cơ khí chế tạo", False)
    assert sectors[10:] == [("-", True), ("Tư vấn", False)]
    login_as("admin")
    page = client.get("/admin/values-to-fix").get_data(as_text=True)
    rows = re.findall(r"<tr><td>([^<]*)</td>", page)
    assert rows == ["Atlantis", "Xứ Đoài", "-"]
