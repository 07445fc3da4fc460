"""The targets dashboard, the public summary, and the administrator's editing of targets."""

import unicodedata
from datetime import date

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.targets.models import Target
from tests.factories import CourseFactory, ExpertFactory, certify

PAGES = {
    "dashboard": "/targets/",
    "manage": "/targets/manage",
    "new target": "/targets/new",
    "targets csv": "/reports/targets.csv",
    "targets xlsx": "/reports/targets.xlsx",
    "summary pdf": "/reports/summary.pdf",
    "register csv": "/reports/register.csv",
    "register xlsx": "/reports/register.xlsx",
}
# Who gets what: 302 = sent to sign in, 403 = refused, 200 = shown.
ACCESS = {
    "public": dict.fromkeys(PAGES, 302),
    "expert": dict.fromkeys(PAGES, 403),
    "centre_staff": dict.fromkeys(PAGES, 403),
    "officer": {**dict.fromkeys(PAGES, 200), "manage": 403, "new target": 403},
    "auditor": {**dict.fromkeys(PAGES, 200), "manage": 403, "new target": 403},
    "admin": {**dict.fromkeys(PAGES, 200), "register csv": 403, "register xlsx": 403},
}


@pytest.mark.parametrize("role", list(ACCESS))
def test_access_per_role(client, login_as, role):
    if role != "public":
        login_as(role)
    for name, url in PAGES.items():
        with client.get(url) as response:  # closing ends a streamed download's context
            assert response.status_code == ACCESS[role][name], (role, name)


def _seed(app):
    with app.app_context():
        course = CourseFactory()
        for day in (date(2024, 6, 1), date(2026, 2, 1), date(2026, 3, 15)):
            expert = ExpertFactory(province="Hải Phòng", sector="Logistics")
            certify(expert, day)
        db.session.commit()
        code = course.centre.code
        db.session.remove()
    return code


def test_dashboard_shows_progress_tables_chart_and_rules(app, client, login_as):
    _seed(app)
    login_as("officer")
    client.get("/lang/en")
    page = client.get("/targets/?as_of=2026-06-30").get_data(as_text=True)
    assert 'value="2026-06-30"' in page  # the as-of picker keeps the date
    assert "2 of 1000 (0.2%)" in page
    assert "2 in the last 12 months" in page
    assert page.count("<svg") == 3  # one chart per target
    assert "<polyline" in page and "stroke-dasharray" in page
    assert "<script" not in page
    assert 'id="how-we-count"' in page
    for section in ("by-year", "by-province", "by-sector", "by-centre", "by-organisation_type"):
        assert f'id="{section}"' in page
    assert "Hải Phòng" in page and "Logistics" in page


def test_as_of_date_changes_the_counts(app, client, login_as):
    _seed(app)
    login_as("auditor")
    client.get("/lang/en")
    before = client.get("/targets/?as_of=2026-02-28").get_data(as_text=True)
    after = client.get("/targets/?as_of=2026-03-15").get_data(as_text=True)
    assert "1 of 1000 (0.1%)" in before
    assert "2 of 1000 (0.2%)" in after


@pytest.mark.parametrize("value", ["31/12/2026", "2999-01-01"])
def test_a_bad_or_future_as_of_date_falls_back_to_today(client, login_as, value):
    login_as("officer")
    client.get("/lang/en")
    page = client.get(f"/targets/?as_of={value}").get_data(as_text=True)
    assert "showing today" in page


def test_public_home_page_shows_live_counts(app, client):
    _seed(app)
    client.get("/lang/en")
    page = client.get("/").get_data(as_text=True)
    assert "Programme progress" in page
    assert "2 of 1000 (0.2%)" in page
    assert "1 of 600 (0.2%)" in page


def test_navigation_leads_the_directorate_to_the_dashboard(client, login_as):
    login_as("auditor")
    page = client.get("/targets/").get_data(as_text=True)
    for link in ('href="/targets/"', 'href="/audit/samples/"', 'href="/audit/anomalies"'):
        assert link in page


def _target_form(**changes):
    form = {
        "key": "certified_2026_2030",
        "label_vi": "Chuyên gia NSCL được chứng nhận, giai đoạn 2026–2030",
        "label_en": "PQ experts certified, 2026–2030",
        "metric": "certified",
        "period_start": "2026-01-01",
        "period_end": "2030-12-31",
        "target_number": "1200",
    }
    form.update(changes)
    return form


def _target(app, key):
    with app.app_context():
        target = db.session.scalar(sa.select(Target).where(Target.key == key))
        values = (target.id, target.target_number) if target else None
        db.session.remove()
    return values


def _events(app, action):
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()
        details = [e.details for e in events]
        db.session.remove()
    return details


def test_admin_changes_a_target_and_the_change_is_audited(app, client, login_as):
    login_as("admin")
    target_id, number = _target(app, "certified_2026_2030")
    assert number == 1000
    response = client.post(f"/targets/{target_id}/edit", data=_target_form())
    assert response.status_code == 302
    assert _target(app, "certified_2026_2030") == (target_id, 1200)
    (details,) = _events(app, "admin.target_updated")
    assert details["before"]["target_number"] == 1000
    assert details["after"]["target_number"] == 1200
    client.get("/lang/en")
    assert "of 1200" in client.get("/").get_data(as_text=True)


def test_admin_creates_a_target_with_nfc_labels(app, client, login_as):
    login_as("admin")
    label = "Người được đào tạo"
    response = client.post(
        "/targets/new",
        data=_target_form(
            key="trained_2026_2030",
            metric="trained",
            label_vi=unicodedata.normalize("NFD", label),
            target_number="5000",
        ),
    )
    assert response.status_code == 302
    with app.app_context():
        target = db.session.scalar(sa.select(Target).where(Target.key == "trained_2026_2030"))
        assert target.label_vi == unicodedata.normalize("NFC", label)
        assert target.metric == "trained"
        db.session.remove()
    assert len(_events(app, "admin.target_created")) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"period_end": "2025-12-31"}, "The period must end on or after the day it starts."),
        ({"key": "certified_2021_2025"}, "Another target already has this key."),
    ],
)
def test_a_refused_target_change_writes_nothing(app, client, login_as, changes, message):
    login_as("admin")
    client.get("/lang/en")
    target_id, _number = _target(app, "certified_2026_2030")
    response = client.post(f"/targets/{target_id}/edit", data=_target_form(**changes))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _target(app, "certified_2026_2030") == (target_id, 1000)
    assert _events(app, "admin.target_updated") == []


def test_only_admins_edit_targets(app, client, login_as):
    login_as("officer")
    target_id, _number = _target(app, "certified_2026_2030")
    assert client.post(f"/targets/{target_id}/edit", data=_target_form()).status_code == 403
    assert _target(app, "certified_2026_2030") == (target_id, 1000)


def test_dashboard_issues_the_same_number_of_queries_for_more_data(app, client, login_as):
    login_as("auditor")

    with app.app_context():
        engine = db.engine

    def count_queries():
        statements = []

        def listener(_conn, _cursor, statement, *_args):
            statements.append(statement)

        # The request runs outside any app context of the test, as it would in production.
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/targets/").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        return [s for s in statements if s.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK")]

    empty = count_queries()
    _seed(app)
    with app.app_context():
        for i in range(10):
            certify(ExpertFactory(province=f"Tỉnh {i}"), date(2026, 1 + i, 2))
        db.session.commit()
        db.session.remove()
    queries = count_queries()
    # The signed-in user, the targets, every figure at once, the figures on cases (shown to
    # officers and auditors): whatever the data.
    assert len(queries) == len(empty) == 4
