"""Centre staff, end to end: create a course, enrol people, record their completions,
schedule the exam, import a results file with one bad row (the error names the row and the
column), fix the file and import it again."""

import re
from datetime import timedelta

import sqlalchemy as sa

from registry.database import utcnow
from registry.experts.lifecycle import local_day
from tests.browser.conftest import sign_in

PEOPLE = ["chuyengia05@example.vn", "chuyengia06@example.vn"]


def _programme_topic(live):
    engine = sa.create_engine(live.database_url)
    with engine.connect() as conn:
        topic = conn.execute(sa.text("SELECT min(id) FROM topics WHERE leads_to_trained")).scalar()
    engine.dispose()
    return str(topic)


def _people(live):
    """(email, date of birth, full name) of PEOPLE: a roster finds a person by the first
    two, exactly, and shows the name (not the email)."""
    engine = sa.create_engine(live.database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT email, date_of_birth, full_name FROM experts WHERE email IN :emails"
            ).bindparams(sa.bindparam("emails", expanding=True)),
            {"emails": PEOPLE},
        ).all()
    engine.dispose()
    return [(email, str(born)[:10], name) for email, born, name in rows]


def _submit(page):
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_load_state()


def test_centre_staff_run_a_course_from_creation_to_exam_results(page, live):
    today = local_day(utcnow())
    sign_in(page, "hn01@trungtam.vn")

    # A course of the PQ expert programme that ended two weeks ago.
    page.goto("/centres/HN01/courses/new")
    page.fill("input[name=code]", "E2E-PQ-01")
    page.fill("input[name=title]", "Chuyên gia năng suất chất lượng — khóa kiểm thử")
    page.select_option("select[name=topic_id]", _programme_topic(live))
    page.fill("input[name=starts_on]", str(today - timedelta(days=60)))
    page.fill("input[name=ends_on]", str(today - timedelta(days=14)))
    page.fill("input[name=hours]", "120")
    page.fill("input[name=capacity]", "30")
    _submit(page)
    assert re.search(r"/centres/HN01/courses/\d+$", page.url), page.url
    course_url = page.url

    # Enrol two applicants found by email and date of birth.
    people = _people(live)
    names = [name for _email, _born, name in people]
    for email, born, _name in people:
        page.fill("main form[role=search] input[name=email]", email)
        page.fill("main form[role=search] input[name=date_of_birth]", born)
        page.press("main form[role=search] input[name=email]", "Enter")
        page.wait_for_load_state()
        page.locator("main form[method=post]", has_text="Ghi danh").get_by_role("button").click()
        page.wait_for_load_state()
    roster = page.locator("main table").first
    for name in names:
        assert roster.locator("tr", has_text=name).count() == 1

    # Record each completion: the person becomes "trained".
    for name in names:
        page.goto(course_url)
        page.locator("main tr", has_text=name).locator("a[href*='/enrolments/']").click()
        page.fill("input[name=attended_hours]", "112")
        page.check("input[name=completed]")
        page.fill("input[name=completed_on]", str(today - timedelta(days=14)))
        _submit(page)
    page.goto(course_url)
    for name in names:
        row = page.locator("main tr", has_text=name)
        assert "112 / 120" in row.inner_text()
        assert row.locator("a[href*='/enrolments/']").count() == 0, row.inner_text()
    # A roster shows no status (only what it needs): the registry has them trained.
    engine = sa.create_engine(live.database_url)
    with engine.connect() as conn:
        statuses = conn.execute(
            sa.text("SELECT status FROM experts WHERE email IN :emails").bindparams(
                sa.bindparam("emails", expanding=True)
            ),
            {"emails": PEOPLE},
        ).scalars()
        assert set(statuses) == {"trained"}
    engine.dispose()

    # The exam, five days ago, with this centre's staff as examiner.
    page.goto("/centres/HN01/exams/new")
    course = page.locator("select[name=course_id] option", has_text="E2E-PQ-01")
    page.select_option("select[name=course_id]", course.get_attribute("value"))
    page.fill("input[name=held_on]", str(today - timedelta(days=5)))
    page.fill("input[name=pass_mark]", "70")
    _submit(page)
    assert re.search(r"/centres/HN01/exams/\d+$", page.url), page.url
    page.goto(page.url + "/import")

    # One bad row: a score above the maximum, on spreadsheet row 3.
    bad = f"Email,Score\n{PEOPLE[0]},85\n{PEOPLE[1]},150\n".encode()
    page.set_input_files("input[name=file]", files=[_csv("ket-qua.csv", bad)])
    _submit(page)
    errors = page.locator("main .import-errors")
    assert errors.count() == 1
    rows = errors.locator("tbody tr")
    assert rows.count() == 1
    cells = rows.first.locator("td").all_inner_texts()
    assert cells[0] == "3" and cells[1] == "Điểm", cells

    fixed = bad.replace(b",150", b",64")
    page.set_input_files("input[name=file]", files=[_csv("ket-qua.csv", fixed)])
    _submit(page)
    assert page.locator("main .import-errors").count() == 0
    page.goto(page.url.removesuffix("/import"))
    results = page.locator("main").inner_text()
    assert "85" in results and "64" in results


def _csv(name, content):
    return {"name": name, "mimeType": "text/csv", "buffer": content}
