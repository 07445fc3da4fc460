"""The audit log page: who may read it, and the auditor's filters."""

from datetime import UTC, datetime

import pytest

from registry.audit import service
from registry.audit.service import record_event
from registry.extensions import db
from tests.factories import UserFactory


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("public", 302),
        ("expert", 403),
        ("centre_staff", 403),
        ("admin", 403),
        ("officer", 200),
        ("auditor", 200),
    ],
)
def test_who_reads_the_log(client, login_as, role, status):
    if role != "public":
        login_as(role)
    assert client.get("/audit/").status_code == status


EVENTS = [
    # actor, action, object, when (UTC)
    ("lan", "certificate.issued", ("certificate", 7), datetime(2026, 3, 1, 2, 0, tzinfo=UTC)),
    ("minh", "certificate.issued", ("certificate", 8), datetime(2026, 3, 1, 16, 30, tzinfo=UTC)),
    ("minh", "expert.transition", ("expert", 7), datetime(2026, 3, 1, 17, 30, tzinfo=UTC)),
    ("lan", "admin.target_updated", ("target", 2), datetime(2026, 3, 5, 3, 0, tzinfo=UTC)),
]


def _seed(app, monkeypatch):
    """The events above, written by the real writer at their times."""
    with app.app_context():
        actors = {
            "lan": UserFactory(email="lan@nscl.gov.vn"),
            "minh": UserFactory(email="minh@nscl.gov.vn"),
        }
        for actor, action, (object_type, object_id), at in EVENTS:
            monkeypatch.setattr(service, "utcnow", lambda at=at: at)
            record_event(action, actor=actors[actor], object_type=object_type, object_id=object_id)
        monkeypatch.undo()
        db.session.commit()
        db.session.remove()


def _shown(client, query):
    """The seeded events the filtered page shows, as "type id"."""
    page = client.get(f"/audit/?{query}").get_data(as_text=True)
    objects = [f"{object_type} {object_id}" for _a, _b, (object_type, object_id), _at in EVENTS]
    return sorted(name for name in objects if f'data-object="{name}"' in page)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["certificate 7", "certificate 8", "expert 7", "target 2"]),
        ("actor=LAN@", ["certificate 7", "target 2"]),
        ("action=certificate.", ["certificate 7", "certificate 8"]),
        ("object_type=expert", ["expert 7"]),
        ("object_type=certificate&object_id=8", ["certificate 8"]),
        # 1 March in Viet Nam ends at 17:00 UTC: the 17:30 UTC event is on 2 March.
        ("date_from=2026-03-01&date_to=2026-03-01", ["certificate 7", "certificate 8"]),
        ("date_from=2026-03-02", ["expert 7", "target 2"]),
        ("actor=minh&date_to=2026-03-01", ["certificate 8"]),
    ],
)
def test_auditor_filters_the_log(app, client, login_as, monkeypatch, query, expected):
    _seed(app, monkeypatch)
    login_as("auditor")
    assert _shown(client, query) == expected


def test_a_bad_date_filter_is_ignored_with_a_message(app, client, login_as, monkeypatch):
    _seed(app, monkeypatch)
    login_as("auditor")
    client.get("/lang/en")
    page = client.get("/audit/?date_from=March").get_data(as_text=True)
    assert "March is not a date" in page
    assert _shown(client, "date_from=March") == [
        "certificate 7",
        "certificate 8",
        "expert 7",
        "target 2",
    ]


def test_details_read_as_words_not_escapes(app, client, login_as):
    with app.app_context():
        record_event(
            "expert.transition",
            actor=None,
            object_type="expert",
            object_id=1,
            details={"reason": "Đã hoàn thành", "changed": ["province", "phone"], "to": None},
        )
        db.session.commit()
    login_as("auditor")
    page = client.get("/audit/").get_data(as_text=True)
    assert "Đã hoàn thành" in page
    assert "\\u0110" not in page and "province, phone" in page


def test_the_log_is_filtered_by_certificate_number_and_person(app, client, login_as):
    from tests.factories import issued_certificate

    with app.app_context():
        mine = issued_certificate(full_name="Phạm Thị Hoa", email="hoa@example.vn")
        other = issued_certificate(full_name="Lê Văn Nam")
        db.session.commit()
        number, other_number = mine.number, other.number
        mine_id = mine.id
        db.session.remove()
    login_as("auditor")
    by_number = client.get("/audit/", query_string={"number": number.lower()}).text
    assert f'data-object="certificate {mine_id}"' in by_number
    assert other_number not in by_number
    by_name = client.get("/audit/", query_string={"person": "pham thi hoa"}).text
    assert f'data-object="certificate {mine_id}"' in by_name
    assert other_number not in by_name
    by_email = client.get("/audit/", query_string={"person": "HOA@example"}).text
    assert f'data-object="certificate {mine_id}"' in by_email
    nobody = client.get("/audit/", query_string={"person": "không ai"}).text
    assert f'data-object="certificate {mine_id}"' not in nobody


def test_the_filtered_log_is_exported_as_csv_and_xlsx(app, client, login_as, monkeypatch):
    import io

    from openpyxl import load_workbook

    _seed(app, monkeypatch)
    with app.app_context():
        record_event(
            "expert.transition",
            actor=None,
            object_type="expert",
            object_id=9,
            details={"reason": "Đã hoàn thành"},
        )
        db.session.commit()
    login_as("auditor")
    response = client.get("/audit/export.csv?object_type=expert")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8-sig")
    assert '{""reason"": ""Đã hoàn thành""}' in text and "\\u0110" not in text
    assert "certificate" not in text  # the filter applies
    sheet = load_workbook(io.BytesIO(client.get("/audit/export.xlsx").data)).active
    actions = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "expert.transition" in actions and "report.exported" in actions
    assert client.get("/audit/export.pdf").status_code == 404
    client.post("/logout")
    login_as("expert")
    assert client.get("/audit/export.csv").status_code == 403
