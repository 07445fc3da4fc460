"""Public verification: status for each case, nothing for a wrong code, logged, rate-limited."""

import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from markupsafe import escape
from sqlalchemy.exc import DBAPIError

from registry.audit.models import AuditEvent, VerificationCheck
from registry.certificates.models import Certificate
from registry.certificates.service import issue_certificate
from registry.certificates.wording import REASONS
from registry.enums import CertificateLevel, CertificateStatus, ExpertStatus, PublicReason, Role
from registry.extensions import db
from tests.conftest import sign_in
from tests.factories import ExpertFactory, UserFactory, Walk, issued_certificate

HOLDER = "Hoàng Thị Ngọc Ánh"


def _issue(app, **kwargs):
    """Issue a certificate for HOLDER; returns (number, code, id)."""
    with app.app_context():
        certificate = issued_certificate(full_name=HOLDER, **kwargs)
        db.session.commit()
        result = (certificate.number, certificate.verification_code, certificate.id)
        db.session.remove()
    return result


def _set_status(app, certificate_id, status, reason=None, code=None):
    with app.app_context():
        certificate = db.session.get(Certificate, certificate_id)
        certificate.status = status
        certificate.status_reason = reason
        certificate.reason_code = code
        db.session.commit()


def _page(client, number, code):
    response = client.get(f"/verify/{number}", query_string={"code": code})
    return response.status_code, response.get_data(as_text=True)


def test_anyone_can_type_a_number_and_code_to_check_a_certificate(app, client):
    number, code, _id = _issue(app)
    assert "/verify" in client.get("/").text  # offered on the home page
    page = client.get("/verify")
    assert page.status_code == 200 and "Số chứng chỉ" in page.text and "Mã xác minh" in page.text
    typed = client.get("/verify", query_string={"number": f" {number.lower()} ", "code": code})
    assert typed.status_code == 302
    status, shown = _page(client, *_number_and_code(typed.location))
    assert status == 200 and HOLDER in shown
    missing = client.get("/verify", query_string={"number": number, "code": ""})
    assert missing.status_code == 200 and "Trường này là bắt buộc." in missing.text


def _number_and_code(location):
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(location)
    return unquote(parts.path.rsplit("/", 1)[1]), parse_qs(parts.query)["code"][0]


def test_a_valid_certificate_shows_its_printed_fields(app, client):
    number, code, _id = _issue(app, date_of_birth=date(1984, 7, 14))
    status, page = _page(client, number, code)
    assert status == 200
    for expected in (
        "Còn hiệu lực",
        "Valid",
        number,
        HOLDER,
        "Chuyên gia năng suất chất lượng cấp quốc gia",
        "National productivity and quality expert",
        "TCVN 13751:2023",
        "Tổng cục Tiêu chuẩn Đo lường Chất lượng",
    ):
        assert expected in page, expected
    assert "14/07/1984" not in page  # no personal data beyond the name (SPEC §7)


@pytest.mark.parametrize(
    ("status", "reason_code", "vietnamese", "english"),
    [
        (
            CertificateStatus.SUSPENDED,
            PublicReason.UNDER_REVIEW_AFTER_COMPLAINT,
            "Đang bị đình chỉ",
            "Suspended",
        ),
        (
            CertificateStatus.WITHDRAWN,
            PublicReason.MISUSE_OF_CERTIFICATE,
            "Đã bị thu hồi",
            "Withdrawn",
        ),
        (CertificateStatus.EXPIRED, None, "Đã hết hiệu lực", "Expired"),
    ],
)
def test_each_status_is_shown(app, client, status, reason_code, vietnamese, english):
    number, code, certificate_id = _issue(app)
    _set_status(app, certificate_id, status, "Có khiếu nại về chất lượng tư vấn", reason_code)
    code_status, page = _page(client, number, code)
    assert code_status == 200
    assert vietnamese in page and english in page
    assert "Còn hiệu lực" not in page
    if reason_code:  # the code's words in the certificate's two languages
        for words in REASONS[reason_code.value]:
            assert escape(words) in page
    assert "khiếu nại về chất lượng" not in page  # the officer's note: never


def test_a_suspension_through_the_decision_page_shows_the_code_not_the_note(app, client):
    """The scenario of the issue: suspended with a code and a note; verification shows the
    code's words only, and the officer's form offers the code as a select."""
    with app.app_context():
        walk = Walk()
        expert = walk.to(ExpertStatus.CERTIFIED)
        certificate = expert.certificates[0]
        number, code = certificate.number, certificate.verification_code
        expert_id, version, officer = expert.id, expert.version, walk.officer.email
        db.session.commit()
    sign_in(client, officer)
    url = f"/directorate/experts/{expert_id}/decide/suspended"
    form = client.get(url).get_data(as_text=True)
    assert '<select id="reason_code" name="reason_code">' in form
    assert "Đang được xem xét sau khiếu nại" in form
    note = "Có khiếu nại về chất lượng tư vấn tại Công ty X"
    response = client.post(
        url,
        data={
            "version": str(version),
            "reason_code": "under_review_after_complaint",
            "reason": note,
            "review_on": "2099-01-01",
        },
    )
    assert response.status_code == 302
    client.get("/logout")
    _status, page = _page(client, number, code)
    assert "Đang được xem xét sau khiếu nại" in page and "Under review after a complaint" in page
    assert note not in page and "Công ty X" not in page


@pytest.mark.parametrize("given", [None, "", "because_i_say_so"])
def test_a_suspension_without_a_code_from_the_list_is_refused(ctx, given):
    from registry.experts.lifecycle import IncompleteRequest, transition

    walk = Walk()
    expert = walk.to(ExpertStatus.CERTIFIED)
    evidence = {"review_on": "2099-01-01"} | ({"reason_code": given} if given is not None else {})
    with pytest.raises(IncompleteRequest) as refused:
        transition(
            expert, ExpertStatus.SUSPENDED, actor=walk.officer, reason="x", evidence=evidence
        )
    assert "Lý do công khai chọn từ danh sách" in str(refused.value)
    assert expert.status == ExpertStatus.CERTIFIED
    assert {c.status for c in expert.certificates} == {CertificateStatus.VALID}


def test_the_interface_and_the_certificate_word_each_reason_alike(app):
    """The select's Vietnamese label and the verification page's Vietnamese are one text."""
    from flask_babel import force_locale

    from registry.labels import PUBLIC_REASON_LABELS

    assert set(REASONS) == {code.value for code in PublicReason}
    with app.test_request_context(), force_locale("vi"):
        for code, label in PUBLIC_REASON_LABELS.items():
            assert str(label) == REASONS[code.value][0]
    with app.test_request_context(), force_locale("en"):
        for code, label in PUBLIC_REASON_LABELS.items():
            assert str(label) == REASONS[code.value][1]


def test_a_valid_certificate_past_its_date_shows_expired(app, client):
    number, code, _id = _issue(app, issued_on=date(2019, 5, 2))
    _code_status, page = _page(client, number, code)
    assert "Đã hết hiệu lực" in page and "Còn hiệu lực" not in page


def test_a_reason_is_not_shown_for_an_expired_certificate(app, client):
    number, code, certificate_id = _issue(app)
    _set_status(app, certificate_id, CertificateStatus.EXPIRED, "internal note")
    assert "internal note" not in _page(client, number, code)[1]


def test_a_superseded_certificate_names_its_successor(app, client):
    with app.app_context():
        officer = UserFactory(role=Role.OFFICER)
        expert = ExpertFactory(full_name=HOLDER, status="certified")
        old = issue_certificate(expert, CertificateLevel.NATIONAL, actor=officer)
        expert.full_name = "Hoàng Thị Ngọc Anh"
        new = issue_certificate(expert, CertificateLevel.NATIONAL, actor=officer, replaces=old)
        db.session.commit()
        old_ref = (old.number, old.verification_code)
        new_ref = (new.number, new.verification_code)
    _status, page = _page(client, *old_ref)
    assert "Đã được thay thế" in page and "Superseded" in page
    assert new_ref[0] in page
    assert HOLDER in page  # the old certificate shows the name it carried
    _status, page = _page(client, *new_ref)
    assert "Còn hiệu lực" in page and "Hoàng Thị Ngọc Anh" in page


@pytest.mark.parametrize("code", ["wrong-code-wrong-code-wrong", "", None])
def test_a_wrong_or_missing_code_reveals_nothing(app, client, code):
    number, _code, _id = _issue(app)
    query = {} if code is None else {"code": code}
    response = client.get(f"/verify/{number}", query_string=query)
    unknown = client.get("/verify/NSCL-QG-2026-99999", query_string=query)
    assert response.status_code == unknown.status_code == 404
    page = response.get_data(as_text=True)
    assert HOLDER not in page
    for hidden in ("Còn hiệu lực", "Valid", "cấp quốc gia", "Đo lường", "Số hiệu"):
        assert hidden not in page
    # The same page as for a number that does not exist (but for the echoed address).
    assert page.replace(number, "N") == unknown.get_data(as_text=True).replace(
        "NSCL-QG-2026-99999", "N"
    )


def test_the_page_speaks_the_certificates_languages_not_the_browsers(app, client):
    number, code, _id = _issue(app)
    client.get("/lang/en")
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    _status, page = _page(client, number, code)
    assert '<html lang="vi">' in page
    assert "Kiểm tra giấy chứng nhận" in page and "Certificate verification" in page


def test_each_check_is_logged_and_not_chained(app, client, login_as):
    number, code, certificate_id = _issue(app)
    _page(client, number, code)
    _page(client, number, "guess")
    officer = login_as("officer")
    _page(client, number, code)
    with app.app_context():
        checks = db.session.scalars(sa.select(VerificationCheck).order_by(VerificationCheck.id))
        assert [(c.certificate_id, c.outcome, c.client, c.actor_label) for c in checks] == [
            (certificate_id, "valid", "127.0.0.1", "anonymous"),
            (None, "no_match", "127.0.0.1", "anonymous"),
            (certificate_id, "valid", "127.0.0.1", officer.email),
        ]
        # The chain keeps decisions, issuance, downloads and admin changes, not checks.
        assert not db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "certificate.verified")
        ).all()
        db.session.remove()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE verification_checks SET number = 'NSCL-QG-2026-00002'",
        "UPDATE verification_checks SET client = '198.51.100.1'",
        "UPDATE verification_checks SET client = NULL, outcome = 'valid'",
        "DELETE FROM verification_checks",
    ],
)
def test_the_log_refuses_every_change_but_dropping_the_address(app, client, statement):
    number, _code, _id = _issue(app)
    _page(client, number, "guess")
    with app.app_context():
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(sa.text(statement))
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE verification_checks SET client = NULL"))
        check = db.session.scalars(sa.select(VerificationCheck)).one()
        assert (check.number, check.outcome, check.client) == (number, "no_match", None)
        db.session.remove()


def test_purge_checks_drops_addresses_older_than_90_days_and_keeps_the_rows(app, runner):
    now = datetime.now(UTC)
    with app.app_context():
        for age in (timedelta(days=91), timedelta(days=89)):
            db.session.add(
                VerificationCheck(
                    checked_at=now - age,
                    number="NSCL-QG-2026-00001",
                    outcome="no_match",
                    client="203.0.113.7",
                    actor_label="anonymous",
                )
            )
        db.session.commit()
    result = runner.invoke(args=["registry", "purge-checks"])
    assert result.exit_code == 0, result.output
    assert "Dropped the client address of 1 verification checks" in result.output
    with app.app_context():
        checks = db.session.scalars(sa.select(VerificationCheck).order_by(VerificationCheck.id))
        assert [(c.number, c.client) for c in checks] == [
            ("NSCL-QG-2026-00001", None),
            ("NSCL-QG-2026-00001", "203.0.113.7"),
        ]
        db.session.remove()
    assert "of 0 verification checks" in runner.invoke(args=["registry", "purge-checks"]).output


def test_verification_is_rate_limited_per_client(app, client):
    app.config["REGISTRY_VERIFY_RATE_LIMIT"] = "3 per minute"
    number, code, _id = _issue(app)
    statuses = [
        client.get(f"/verify/{number}", query_string={"code": code}).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    other_client = client.get(
        f"/verify/{number}",
        query_string={"code": code},
        environ_overrides={"REMOTE_ADDR": "203.0.113.7"},
    )
    assert other_client.status_code == 200


def test_concurrent_verifications_all_answer_and_are_all_logged(app, backend):
    """Several workers verifying at once: every check answers 200 and is logged exactly once."""
    from concurrent.futures import ThreadPoolExecutor

    with app.app_context():
        certificate = issued_certificate()
        db.session.commit()
        url = f"/verify/{certificate.number}?code={certificate.verification_code}"
        db.session.remove()
    app.config["REGISTRY_VERIFY_RATE_LIMIT"] = "1000 per minute"

    def check(_):
        with app.test_client() as worker:
            return worker.get(url).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(check, range(40)))
    # Without the write lock up front, SQLite refused some of these ("database is locked").
    assert statuses == [200] * 40
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(VerificationCheck.id))) == 40
        db.session.remove()


def test_a_check_that_finds_the_database_locked_is_a_503_that_logs_nothing(app, client, backend):
    """Another writer holds SQLite's lock past the check's wait: the page and the API say the
    registry is busy (not a 500), and no check is logged."""
    if backend != "sqlite":
        pytest.skip("SQLite's one write lock")
    number, code, _id = _issue(app)
    with app.app_context():
        engine = db.engine
        engine.dispose()
        path = engine.url.database

    def short_wait(dbapi_connection, _record, _proxy):
        dbapi_connection.execute("PRAGMA busy_timeout = 50")

    sa.event.listen(engine, "checkout", short_wait)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        page = client.get(f"/verify/{number}", query_string={"code": code})
        api = client.get(f"/api/v1/verify/{number}", query_string={"code": code})
    finally:
        writer.rollback()
        writer.close()
        sa.event.remove(engine, "checkout", short_wait)
        with app.app_context():
            db.engine.dispose()
    assert page.status_code == 503
    assert "Chưa có dữ liệu nào được lưu" in page.text
    assert api.status_code == 503
    assert api.json["error"]["code"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(VerificationCheck.id))) == 0
