"""Benchmark of the targets dashboard (run by `make bench`).

Seeds 100,000 experts, 20,000 certificates and 500,000 exam results by bulk inserts into a
fresh database made by the migrations (a temporary SQLite file; also PostgreSQL when
REGISTRY_BENCH_DATABASE_URL is set: that database is EMPTIED first). Then it reports:

- the dashboard's response time (test client GET, median of several runs) as a ratio of
  the same counts done by one raw SQL query per target in the same run (goal: <= 3x);
- the number of SQL queries the dashboard issues, at 1 % and at full size (constant).

The raw counts are also checked against the dashboard's own numbers.
"""

import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import flask_migrate
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from registry import create_app
from registry.extensions import db
from registry.targets import counting

EXPERTS, CERTIFICATES, RESULTS = 100_000, 20_000, 500_000
CENTRES, SESSIONS = 20, 1_000
PASSWORD = "bench-password-2026"  # noqa: S105  (an account in a throwaway database)
RUNS = 15
PROVINCES = [f"Tỉnh {i:02d}" for i in range(63)]
SECTORS = ["Cơ khí", "Dệt may", "Điện tử", "Nông nghiệp", "Xây dựng", "Logistics", "Y tế"]
ORG_TYPES = ["ministry", "agency", "province", "enterprise", "consultancy", "university"]

RAW_COUNT = """
SELECT count(*) FROM (
    SELECT c.expert_id, min(c.issued_on) AS first_on
    FROM certificates c WHERE c.level IN ({levels}) GROUP BY c.expert_id
) f
WHERE f.first_on >= :start AND f.first_on <= :last
  AND NOT EXISTS (
    SELECT 1 FROM status_changes s
    WHERE s.expert_id = f.expert_id AND s.to_status = 'withdrawn' AND s.created_at < :before)
"""
RAW_LEVELS = {
    "certified": "'national'",
    "regional_international": "'regional', 'international'",
}


class Loader:
    """Bulk inserts: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, connection):
        self.connection = connection
        self.sqlite = connection.dialect.name == "sqlite"

    def value(self, value):
        if not self.sqlite:
            return value
        if isinstance(value, datetime):
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, date):
            return value.isoformat()
        return int(value) if isinstance(value, bool) else value

    def __call__(self, table, columns, rows):
        """Insert `rows` into `table`; `columns` is a space-separated list of names."""
        columns = columns.split()
        rows = [tuple(self.value(v) for v in row) for row in rows]
        if self.sqlite:
            marks = ", ".join("?" * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
            self.connection.exec_driver_sql(sql, rows)
        else:
            cursor = self.connection.connection.driver_connection.cursor()
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return len(rows)


def at(day, hour=9):
    """`hour` o'clock in Viet Nam on `day`, as UTC."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=7)


def seed(connection, scale, rng):
    """The registry at `scale` (1.0 = full size): centres, accounts, courses, experts and
    their history, enrolments, certificates, exam sessions and results."""
    insert = Loader(connection)
    experts, certificates, results = (int(n * scale) for n in (EXPERTS, CERTIFICATES, RESULTS))
    sessions = max(int(SESSIONS * scale), 10)
    now = datetime.now(UTC)
    topic = connection.exec_driver_sql(
        "SELECT id FROM topics WHERE code = 'pq_expert_basic'"
    ).scalar()
    secret = generate_password_hash(PASSWORD)
    centres = range(1, CENTRES + 1)
    insert(
        "training_centres",
        "id code name province approved_until active created_at",
        [
            [c, f"TT{c:02d}", f"Trung tâm {c}", PROVINCES[c], date(2030, 12, 31), True, now]
            for c in centres
        ],
    )
    staff = {c: 100 + c for c in centres}
    users = [(1, "kiemtoan@bench.vn", "auditor", None)]
    users += [(1 + i, f"canbo{i}@bench.vn", "officer", None) for i in range(1, 6)]
    users += [(staff[c], f"tt{c}@bench.vn", "centre_staff", c) for c in centres]
    insert(
        "users",
        "id email full_name password_hash role centre_id active session_token failed_logins created_at",
        [
            [i, email, email, secret, role, c, True, secrets.token_hex(16), 0, now]
            for i, email, role, c in users
        ],
    )
    courses = [(c * 100 + k, c, date(2021 + k, 4, 10)) for c in centres for k in range(5)]
    insert(
        "courses",
        "id centre_id topic_id code title level starts_on ends_on hours capacity trainers created_at",
        [
            [
                i,
                c,
                topic,
                f"CG-{i}",
                "Chuyên gia NSCL",
                "basic",
                end - timedelta(days=40),
                end,
                120,
                40,
                "",
                now,
            ]
            for i, c, end in courses
        ],
    )
    insert(
        "experts",
        "id full_name name_key date_of_birth email organisation organisation_type province sector "
        "highest_degree years_experience consent_scheme_rules consent_public_listing status "
        "status_changed_at version created_at updated_at",
        [
            [
                i,
                f"Chuyên gia {i}",
                f"chuyen gia {i}",
                date(1970, 1, 1) + timedelta(days=i % 9000),
                f"cg{i}@bench.vn",
                "Công ty",
                rng.choice(ORG_TYPES),
                rng.choice(PROVINCES),
                rng.choice(SECTORS),
                "Kỹ sư",
                5,
                True,
                True,
                "applied",
                now,
                1,
                now,
                now,
            ]
            for i in range(1, experts + 1)
        ],
    )
    # 60 % trained at a centre; history rows as the lifecycle writes them.
    trained = int(experts * 0.6)
    changes = [
        [i, None, "applied", None, at(date(2021, 1, 1) + timedelta(days=i % 1800))]
        for i in range(1, experts + 1)
    ]
    enrolments = []
    for i in range(1, trained + 1):
        course, centre, ended = courses[i % len(courses)]
        enrolments.append([i, course, i, 120, True, ended, staff[centre], now, now])
        changes.append([i, "applied", "trained", staff[centre], at(ended, 16)])
    insert(
        "enrolments",
        "id course_id expert_id attended_hours completed completed_on completion_recorded_by_id created_at updated_at",
        enrolments,
    )
    # 85 % first national certificates, 5 % renewals, 7.5 % regional, the rest international.
    rows, sequence = [], {}

    def certificate(expert, level, issued_on):
        sequence[level, issued_on.year] = number = sequence.get((level, issued_on.year), 0) + 1
        code = {"national": "QG", "regional": "KV", "international": "QT"}[level]
        rows.append(
            [
                len(rows) + 1,
                f"NSCL-{code}-{issued_on.year}-{number:05d}",
                expert,
                level,
                issued_on.year,
                number,
                secrets.token_urlsafe(20),
                f"Chuyên gia {expert}",
                date(1980, 1, 1),
                "TCVN 13751:2023",
                "Tổng cục TCĐLCL",
                "Nguyễn Hoàng Linh",
                "Tổng cục trưởng",
                issued_on,
                issued_on + timedelta(days=1095),
                "valid",
                2,
                now,
            ]
        )

    national = int(certificates * 0.85)
    for i in range(1, national + 1):
        issued = date(2021, 3, 1) + timedelta(days=rng.randrange(2070))
        certificate(i, "national", issued)
        changes.append([i, "trained", "certified", 2, at(issued, 10)])
    for i in range(1, int(certificates * 0.05) + 1):
        certificate(i, "national", date(2026, 6, 1) + timedelta(days=i % 120))
    for i in range(1, int(certificates * 0.075) + 1):
        issued = date(2025, 6, 1) + timedelta(days=rng.randrange(500))
        certificate(i, "regional", issued)
        changes.append([i, "certified", "accredited_regional", 3, at(issued, 10)])
    for i in range(1, certificates - len(rows) + 1):
        certificate(i, "international", date(2026, 9, 1) + timedelta(days=i % 40))
        changes.append(
            [i, "accredited_regional", "accredited_international", 3, at(date(2026, 9, 1))]
        )
    for i in range(national - national // 50, national + 1):  # 2 % withdrawn
        changes.append([i, "certified", "withdrawn", 4, at(date(2026, 7, 1), 11)])
    insert(
        "certificates",
        "id number expert_id level year sequence verification_code holder_name holder_date_of_birth "
        "scheme issuing_body signatory_name signatory_title issued_on valid_until status issued_by_id created_at",
        rows,
    )
    insert("status_changes", "expert_id from_status to_status actor_id created_at", changes)
    insert(
        "exam_sessions",
        "id centre_id held_on examiner_id pass_mark max_score created_at",
        [
            [
                s,
                1 + s % CENTRES,
                date(2021, 5, 1) + timedelta(days=s),
                staff[1 + s % CENTRES],
                70,
                100,
                now,
            ]
            for s in range(1, sessions + 1)
        ],
    )
    per_session = results // sessions
    insert(
        "exam_results",
        "session_id expert_id score recorded_by_id recorded_at",
        (
            [
                s,
                1 + (s * per_session + k) % trained,
                rng.randint(40, 100),
                staff[1 + s % CENTRES],
                now,
            ]
            for s in range(1, sessions + 1)
            for k in range(per_session)
        ),
    )
    if not insert.sqlite:
        for table in (
            "training_centres",
            "users",
            "courses",
            "experts",
            "enrolments",
            "certificates",
            "exam_sessions",
        ):
            sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            connection.exec_driver_sql(sql)
    connection.exec_driver_sql("ANALYZE")
    return {
        "experts": experts,
        "certificates": len(rows),
        "exam results": sessions * per_session,
        "status changes": len(changes),
    }


def raw_counts(engine, targets, as_of):
    """The same counts by one raw SQL query per target, written independently."""
    sqlite = engine.dialect.name == "sqlite"
    before = datetime.combine(
        as_of + timedelta(days=1), datetime.min.time(), tzinfo=UTC
    ) - timedelta(hours=7)

    def param(value):
        if not sqlite:
            return value
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")
        return value.isoformat()

    counts = []
    with engine.connect() as connection:
        for target in targets:
            sql = RAW_COUNT.format(levels=RAW_LEVELS[target.metric.value])
            params = {
                "start": param(target.period_start),
                "last": param(min(target.period_end, as_of)),
                "before": param(before.replace(tzinfo=None) if sqlite else before),
            }
            counts.append(connection.execute(sa.text(sql), params).scalar())
    return counts


def medians(*actions, runs=RUNS):
    """Median seconds of each action, run in turns so that both see the same machine load."""
    timings = [[] for _ in actions]
    for action in actions:
        action()  # warm up caches and the statement cache
    for _ in range(runs):
        for action, times in zip(actions, timings, strict=True):
            start = time.perf_counter()
            action()
            times.append(time.perf_counter() - start)
    return [statistics.median(times) for times in timings]


def measure(url, scale, tmp):
    rng = random.Random(1322)
    app = create_app(
        {
            "REGISTRY_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "REGISTRY_CERTIFICATES_DIR": str(tmp / "certificates"),
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        flask_migrate.upgrade()
        started = time.perf_counter()
        with db.engine.begin() as conn:
            sizes = seed(conn, scale, rng)
        seeded_in = time.perf_counter() - started
        as_of = counting.today()
        targets = counting.load_targets()
        expected = [row.achieved for row in counting.progress(as_of, targets)]
        db.session.expunge_all()  # the targets stay usable outside the app context
        db.session.remove()
        engine = db.engine
    raw = raw_counts(engine, targets, as_of)
    assert raw == expected, f"raw SQL {raw} != dashboard {expected}"

    # Each request outside any app context of ours, as in production: a fresh session.
    client = app.test_client()
    response = client.post("/login", data={"email": "kiemtoan@bench.vn", "password": PASSWORD})
    assert response.status_code == 302, "the benchmark auditor could not sign in"

    def dashboard():
        response = client.get("/targets/")
        assert response.status_code == 200

    statements = []

    def listener(_conn, _cursor, statement, *_args):
        if statement.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listener)
    dashboard()
    sa.event.remove(engine, "before_cursor_execute", listener)
    if os.environ.get("BENCH_SHOW_SQL"):
        print(*statements, sep="\n---\n")
    raw_time, page_time = medians(lambda: raw_counts(engine, targets, as_of), dashboard)
    engine.dispose()
    return {
        "sizes": sizes,
        "seeded_in": seeded_in,
        "counts": expected,
        "raw": raw_time,
        "dashboard": page_time,
        "queries": len(statements),
    }


def report(name, small, full):
    ratio = full["dashboard"] / full["raw"]
    sizes = ", ".join(f"{v:,} {k}" for k, v in full["sizes"].items())
    print(f"\n== {name} ==")
    print(f"seeded {sizes} in {full['seeded_in']:.1f} s")
    print(f"counts per target (as of today): {full['counts']}")
    print(f"raw SQL, one query per target : {1000 * full['raw']:8.1f} ms (median of {RUNS})")
    print(f"dashboard page (GET /targets/): {1000 * full['dashboard']:8.1f} ms (median of {RUNS})")
    print(f"ratio dashboard / raw         : {ratio:8.2f}x  (goal <= 3x)")
    constant = full["queries"] == small["queries"]
    print(
        f"SQL queries per dashboard GET : {full['queries']} at full size, {small['queries']} at 1 % "
        f"({'constant' if constant else 'NOT CONSTANT'}; BEGIN/COMMIT not counted)"
    )
    if ratio > 3:
        print("GOAL NOT MET: the dashboard took more than 3x the raw counts in this run.")
    return constant


def main():
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        urls = [("SQLite", lambda scale: f"sqlite:///{tmp / f'bench-{scale}.sqlite3'}")]
        if os.environ.get("REGISTRY_BENCH_DATABASE_URL"):
            urls.append(("PostgreSQL", lambda _scale: os.environ["REGISTRY_BENCH_DATABASE_URL"]))
        else:
            print(
                "PostgreSQL not measured: set REGISTRY_BENCH_DATABASE_URL (that database is emptied)."
            )
        for name, url in urls:
            small = measure(url(0.01), 0.01, tmp)
            full = measure(url(1.0), 1.0, tmp)
            ok = report(name, small, full) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
