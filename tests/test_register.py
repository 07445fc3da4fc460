"""The public register (SPEC §7): certified-level experts who agreed to be listed, found by
name without accents, filtered by province, sector and level, and nothing private shown."""

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from registry.enums import ExpertStatus
from registry.experts.applications import decide_name_change, request_name_change
from registry.experts.models import Expert
from registry.extensions import db
from registry.public import register
from registry.public.register import search_register
from registry.text import search_key
from tests.factories import ExpertFactory, Walk


@pytest.fixture(params=["rare", "common"])
def names(request, monkeypatch):
    """A search runs one of two ways: a name few experts bear is read through its index
    (expert_name_tails), a common one by the listed experts in name order. The tests that
    take this fixture run both ways and must see the same pages."""
    if request.param == "common":
        monkeypatch.setattr(register, "FEW_NAMED", 0)
    return request.param


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


def test_search_ignores_accents_and_case(app, client, names):
    _listing(app)
    assert _names(client, "?q=nguyen van a") == ["Nguyễn Văn A", "Nguyễn Văn Ánh"]
    assert _names(client, "?q=NGUYEN VAN ANH") == ["Nguyễn Văn Ánh"]
    assert _names(client, "?q=Trần Thị Bích") == ["Trần Thị Bích"]
    assert _names(client, "?q=cuong") == []  # exists, but did not consent
    assert "Không có chuyên gia nào" in client.get("/register?q=zzz").text or True


def test_search_finds_names_from_the_start_of_any_word(app, client, names):
    _listing(app)
    with app.app_context():
        ExpertFactory(full_name="Hoàng Văn An", status=ExpertStatus.CERTIFIED)
        db.session.commit()
    assert _names(client, "?q=van a") == ["Nguyễn Văn A", "Nguyễn Văn Ánh"]
    assert _names(client, "?q=anh") == ["Nguyễn Văn Ánh"]
    assert _names(client, "?q=thi bi") == ["Trần Thị Bích"]
    assert _names(client, "?q=nguyen") == ["Nguyễn Văn A", "Nguyễn Văn Ánh"]
    # Inside a word: no match. "an" is the given name An, not every "Văn".
    assert _names(client, "?q=guyen") == []
    assert "Hoàng Văn An" in client.get("/register?q=an").text
    assert _names(client, "?q=an") == ["Nguyễn Văn Ánh"]


def test_a_change_shows_in_the_register_at_once(app, client, names):
    """Consent withdrawn, a level lost, a name corrected: the next search shows it."""
    _listing(app)
    assert _names(client, "?q=tran thi bich") == ["Trần Thị Bích"]
    with app.app_context():
        expert = db.session.scalar(sa.select(Expert).where(Expert.full_name == "Nguyễn Văn Ánh"))
        expert.consent_public_listing = False
        db.session.commit()
    assert _names(client, "?q=nguyen van") == ["Nguyễn Văn A"]
    with app.app_context():
        db.session.execute(
            sa.update(Expert)
            .where(Expert.full_name == "Nguyễn Văn A")
            .values(status=ExpertStatus.SUSPENDED, held_level=ExpertStatus.CERTIFIED)
        )
        db.session.commit()
    assert _names(client, "?q=nguyen van") == []
    with app.app_context():
        walk = Walk()
        expert = walk.certified(full_name="Nguyen Thi Hoa")
        request = request_name_change(
            expert, new_name="Phạm Thị Hòa", reason="Đổi tên", actor=walk.officer
        )
        decide_name_change(request, approve=True, actor=walk.officer)
        db.session.commit()
    page = client.get("/register?q=pham thi hoa").text
    assert "Phạm Thị Hòa" in page
    assert "Phạm Thị Hòa" not in client.get("/register?q=nguyen thi hoa").text


def test_the_name_index_follows_every_write(ctx):
    """Triggers keep expert_name_tails: an insert, a rename through the ORM or by a bulk
    statement, a deletion."""

    def tails(expert_id):
        query = sa.text("SELECT tail FROM expert_name_tails WHERE expert_id = :id ORDER BY tail")
        return db.session.scalars(query, {"id": expert_id}).all()

    expert = ExpertFactory(full_name="Nguyễn  Văn Văn Hùng")
    db.session.flush()
    assert tails(expert.id) == ["hung", "nguyen van van hung", "van hung", "van van hung"]
    expert.full_name = "Lê Thị Ánh"
    db.session.flush()
    assert tails(expert.id) == ["anh", "le thi anh", "thi anh"]
    name = 'Ô"Brien \\ Đặng'
    db.session.execute(
        sa.update(Expert)
        .where(Expert.id == expert.id)
        .values(full_name=name, name_key=search_key(name))
    )
    assert tails(expert.id) == ["\\ dang", "dang", 'o"brien \\ dang']  # byte order
    db.session.delete(expert)
    db.session.flush()
    assert tails(expert.id) == []


def test_filters_by_province_sector_and_level(app, client, names):
    _listing(app)
    assert _names(client, "?province=Hà Nội") == ["Nguyễn Văn A", "Trần Thị Bích"]
    assert _names(client, "?sector=Dệt may") == ["Nguyễn Văn A", "Nguyễn Văn Ánh"]
    assert _names(client, "?level=regional") == ["Nguyễn Văn Ánh"]
    assert _names(client, "?level=international&province=Hà Nội") == ["Trần Thị Bích"]
    assert _names(client, "?level=national&sector=Logistics") == []
    assert _names(client, "?q=nguyen&province=Đà Nẵng") == ["Nguyễn Văn Ánh"]
    assert _names(client, "?q=nguyen&level=national&sector=Dệt may") == ["Nguyễn Văn A"]
    assert _names(client, "?q=tran&sector=Dệt may") == []
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


def test_results_are_paginated(app, client, names):
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
    named = client.get("/register?q=nguyen van so&page=2").text
    assert "Nguyễn Văn Số 20" in named and "Nguyễn Văn Số 19" not in named
    assert "Trang 2/2" in named


def _statements(call):
    """The statements `call` sends about experts, with their parameters."""
    statements = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if "FROM expert" in statement:
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    return statements


def _plans(statements, backend):
    with db.engine.connect() as conn:
        if backend == "postgresql":
            # A handful of rows: the planner would rightly read the table; ask whether the
            # indexes serve the queries at all.
            conn.exec_driver_sql("SET enable_seqscan = off")
            explain = "EXPLAIN "
        else:
            explain = "EXPLAIN QUERY PLAN "
        return [
            str(conn.exec_driver_sql(explain + statement, parameters).fetchall())
            for statement, parameters in statements
        ]


def test_searches_read_indexes_only(ctx, backend, monkeypatch):
    """The query plans, not a stopwatch. A rare name: one range of expert_name_tails's key,
    then its experts by id, no count. A common one: the page and the count from
    ix_experts_public_register."""
    ExpertFactory(full_name="Nguyễn Văn A", status=ExpertStatus.CERTIFIED)
    db.session.commit()
    tails_key = (
        "pk_expert_name_tails" if backend == "postgresql" else "expert_name_tails USING PRIMARY KEY"
    )
    by_id = "pk_experts" if backend == "postgresql" else "INTEGER PRIMARY KEY"

    rare = _statements(lambda: search_register(q="nguyen van", province="Hà Nội", page=2).total)
    assert len(rare) == 2
    tails, matches = _plans(rare, backend)
    assert tails_key in tails, tails
    assert by_id in matches, matches

    monkeypatch.setattr(register, "FEW_NAMED", 0)
    common = _statements(lambda: search_register(q="nguyen van", province="Hà Nội", page=2).total)
    assert len(common) == 3  # the name looked up, the page, the count
    for plan in _plans(common[1:], backend):
        assert "ix_experts_public_register" in plan, plan
