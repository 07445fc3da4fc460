"""Officers, end to end: an officer attached to the candidate's training centre is refused
(separation of duties), an independent one certifies; an accreditation is approved after
opening its evidence; a holder is suspended, then reinstated."""

import sqlalchemy as sa

from tests.browser.conftest import sign_in

OFFICER = "canbo@nscl.gov.vn"
SECOND_OFFICER = "canbo2@nscl.gov.vn"


def _query(live, sql):
    engine = sa.create_engine(live.database_url)
    with engine.connect() as conn:
        row = conn.execute(sa.text(sql)).one()
    engine.dispose()
    return row


def _candidate(live):
    """A trained expert with a passing exam result, and their training centre's code."""
    return _query(
        live,
        "SELECT e.id, tc.code FROM experts e "
        "JOIN enrolments en ON en.expert_id = e.id AND en.completed "
        "JOIN courses c ON c.id = en.course_id "
        "JOIN training_centres tc ON tc.id = c.centre_id "
        "JOIN exam_results r ON r.expert_id = e.id "
        "JOIN exam_sessions s ON s.id = r.session_id AND r.score >= s.pass_mark "
        "WHERE e.status = 'trained' ORDER BY e.id LIMIT 1",
    )


def _status(page, expert_id):
    page.goto(f"/experts/{expert_id}")
    return page.locator("main hgroup .status").first.get_attribute("class")


def _submit(page):
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_load_state()


def test_an_officer_of_the_candidates_centre_is_refused_an_independent_one_certifies(page, live):
    expert_id, centre = _candidate(live)

    # The administrator attaches a new officer to the candidate's training centre.
    sign_in(page, "admin@nscl.gov.vn")
    page.goto("/admin/users")
    page.fill("input[name=email]", "canbo.trungtam@nscl.gov.vn")
    page.fill("input[name=full_name]", "Đinh Văn Lực")
    page.select_option("select[name=role]", "officer")
    option = page.locator("select[name=centre_id] option", has_text=f"{centre} ·")
    page.select_option("select[name=centre_id]", option.get_attribute("value"))
    page.fill("input[name=password]", "mat-khau-can-bo-2026")
    _submit(page)
    page.context.clear_cookies()

    sign_in(page, "canbo.trungtam@nscl.gov.vn", "mat-khau-can-bo-2026")
    page.goto(f"/directorate/experts/{expert_id}/decide/certified")
    assert page.locator("main .check-unmet").count() >= 1
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        _submit(page)
    assert answer.value.status in (403, 409, 422), answer.value.status
    refusal = page.locator("main .flash-error", has_text=centre)
    assert refusal.count() == 1, page.locator("main").inner_text()
    assert "trained" in _status(page, expert_id)
    page.context.clear_cookies()

    sign_in(page, OFFICER)
    page.goto("/directorate/queue/decisions")
    page.locator(f"main a[href='/directorate/experts/{expert_id}/decide/certified']").click()
    assert page.locator("main .check-unmet").count() == 0
    page.fill("textarea[name=reason]", "Đạt kỳ thi đánh giá, đủ điều kiện chứng nhận")
    _submit(page)
    assert page.url.endswith(f"/experts/{expert_id}")
    assert page.locator("main .flash-success").count() == 1
    assert "status-certified" in _status(page, expert_id)


def test_an_officer_accredits_with_evidence_suspends_and_reinstates(page, live):
    request_id, candidate = _query(
        live, "SELECT id, expert_id FROM accreditation_requests ORDER BY id LIMIT 1"
    )
    (holder,) = _query(
        live,
        "SELECT id FROM experts WHERE status = 'certified' AND user_id IS NULL "
        f"AND id <> {candidate} ORDER BY id DESC LIMIT 1",
    )
    # The demo's request was filed by the first officer on the expert's behalf: the second
    # decides it, after opening the evidence.
    sign_in(page, SECOND_OFFICER)
    page.goto("/directorate/queue/accreditation")
    page.locator(f"main a[href='/directorate/accreditation/{request_id}']").click()
    evidence = page.locator("main a[href$='/document']")
    with page.expect_download() as download:
        evidence.click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.fill("textarea[name=reason]", "Chứng nhận APO hợp lệ")
    page.click("main form input[name=approve], main form button[name=approve]")
    page.wait_for_load_state()
    assert "status-accredited_regional" in _status(page, candidate)

    # Suspend a holder with a reason and a review date, then reinstate.
    page.goto(f"/directorate/experts/{holder}/decide/suspended")
    page.fill("textarea[name=reason]", "Đang xác minh khiếu nại của doanh nghiệp")
    if page.locator("input[name=review_on]").count():
        page.fill("input[name=review_on]", "2027-03-01")
    if page.locator("select[name=reason_code]").count():  # the public reason, from the list
        page.select_option("select[name=reason_code]", "under_review_after_complaint")
    _submit(page)
    assert "status-suspended" in _status(page, holder)

    page.goto("/directorate/queue/suspended")
    page.locator(f"main a[href='/directorate/experts/{holder}/decide/certified']").click()
    page.fill("textarea[name=reason]", "Khiếu nại đã được giải quyết")
    _submit(page)
    assert "status-certified" in _status(page, holder)
