"""Import of exam results: all rows validated first, errors by row and column, upsert."""

import io
import unicodedata
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from registry.audit.models import AuditEvent
from registry.auth.models import User
from registry.centres.imports import rows_from_dicts
from registry.centres.models import TrainingCentre
from registry.exams.imports import import_results
from registry.exams.models import ExamResult
from registry.extensions import db
from registry.targets.counting import today
from tests.factories import (
    CentreFactory,
    ExamSessionFactory,
    ExpertFactory,
    bulk_experts,
    csv_file,
    examinee,
    staff_of,
    xlsx_file,
)

HEADER = ["Email (Email)", "Họ và tên (Full name)", "Điểm (Score)"]


def result_rows():
    return db.session.execute(
        sa.select(ExamResult.expert_id, ExamResult.score).order_by(ExamResult.expert_id)
    ).all()


def count_results():
    return db.session.scalar(sa.select(sa.func.count(ExamResult.id)))


def errors_of(outcome):
    return [(e.row, e.column.key if e.column else None, str(e.message)) for e in outcome.errors]


# --- the service -----------------------------------------------------------------------


def test_results_are_imported_and_passed_is_derived(ctx):
    exam_session = ExamSessionFactory(pass_mark=70, max_score=100)
    emails = bulk_experts(3, course=exam_session.course)
    rows = rows_from_dicts(
        [
            {"email": emails[0], "score": 70},
            {"email": emails[1], "score": "69"},
            {"email": emails[2], "score": 100},
        ]
    )
    outcome = import_results(exam_session, rows, actor=exam_session.examiner)
    assert outcome.ok and outcome.created == 3
    passed = db.session.scalars(sa.select(ExamResult.passed).order_by(ExamResult.expert_id)).all()
    assert [bool(p) for p in passed] == [True, False, True]
    assert all(r.recorded_by_id == exam_session.examiner_id for r in exam_session.results)


def test_one_bad_row_among_500_writes_nothing_and_is_named(ctx_en):
    exam_session = ExamSessionFactory(max_score=100)
    emails = bulk_experts(500, course=exam_session.course)
    items = [{"email": email, "score": 50 + i % 50} for i, email in enumerate(emails)]
    items[250]["score"] = 101  # spreadsheet row 252
    events_before = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    outcome = import_results(exam_session, rows_from_dicts(items), actor=exam_session.examiner)
    assert errors_of(outcome) == [(251, "score", "The score must be between 0 and 100.")]
    assert count_results() == 0
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events_before


def test_negative_scores_are_refused(ctx_en):
    exam_session = ExamSessionFactory(max_score=100)
    (email,) = bulk_experts(1, course=exam_session.course)
    outcome = import_results(
        exam_session, rows_from_dicts([{"email": email, "score": -1}]), actor=exam_session.examiner
    )
    assert errors_of(outcome) == [(1, "score", "The score must be between 0 and 100.")]


@pytest.mark.parametrize(
    ("score", "message"),
    [("", "Give the score."), ("8,5", "Enter a whole number."), ("tám", "Enter a whole number.")],
)
def test_scores_must_be_whole_numbers(ctx_en, score, message):
    exam_session = ExamSessionFactory()
    (email,) = bulk_experts(1, course=exam_session.course)
    outcome = import_results(
        exam_session,
        rows_from_dicts([{"email": email, "score": score}]),
        actor=exam_session.examiner,
    )
    assert errors_of(outcome) == [(1, "score", message)]


def test_the_same_import_twice_creates_no_duplicates(ctx):
    exam_session = ExamSessionFactory()
    emails = bulk_experts(20, course=exam_session.course)
    rows = rows_from_dicts([{"email": e, "score": 80} for e in emails])
    first = import_results(exam_session, rows, actor=exam_session.examiner)
    second = import_results(exam_session, rows, actor=exam_session.examiner)
    assert (first.created, first.unchanged) == (20, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 20)
    assert count_results() == 20


def test_a_changed_score_is_corrected(ctx):
    exam_session = ExamSessionFactory()
    emails = bulk_experts(2, course=exam_session.course)
    import_results(
        exam_session,
        rows_from_dicts([{"email": emails[0], "score": 60}, {"email": emails[1], "score": 90}]),
        actor=exam_session.examiner,
    )
    outcome = import_results(
        exam_session,
        rows_from_dicts([{"email": emails[0], "score": 75}, {"email": emails[1], "score": 90}]),
        actor=exam_session.examiner,
    )
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 1, 1)
    assert [score for _id, score in result_rows()] == [75, 90]


def test_a_1000_row_import_takes_a_handful_of_queries(ctx):
    exam_session = ExamSessionFactory()
    emails = bulk_experts(1000, course=exam_session.course)
    rows = rows_from_dicts([{"email": e.upper(), "score": i % 101} for i, e in enumerate(emails)])
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        outcome = import_results(exam_session, rows, actor=exam_session.examiner)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert outcome.ok and outcome.created == 1000
    assert count_results() == 1000
    assert len(statements) < 25, f"{len(statements)} statements for 1000 rows"


def test_emails_names_and_duplicates_are_checked(ctx_en):
    exam_session = ExamSessionFactory()
    examinee(exam_session, email="an@example.vn", full_name="Nguyễn Văn An")
    examinee(exam_session, email="binh@example.vn", full_name="Trần Thị Bình")
    nfd = unicodedata.normalize("NFD", "Nguyễn Văn An")
    rows = rows_from_dicts(
        [
            {"email": "AN@Example.VN", "full_name": nfd, "score": 80},  # fine
            {"email": "ai@example.vn", "score": 80},
            {"email": "binh@example.vn", "full_name": "Trần Thị Bích", "score": 80},
            {"email": "an@example.vn", "score": 81},
            {"email": "không phải email", "score": 80},
        ]
    )
    outcome = import_results(exam_session, rows, actor=exam_session.examiner)
    assert errors_of(outcome) == [
        (5, "email", "This is not an email address."),
        (2, "email", "No expert in the registry has this email."),
        (
            3,
            "full_name",
            "The name does not match the registry's record for this email (Trần Thị Bình).",
        ),
        (4, "email", "Same person as row 1."),
    ]
    assert count_results() == 0


def test_an_open_application_wins_over_a_rejected_one_with_the_same_email(ctx):
    from registry.enums import ExpertStatus

    old = ExpertFactory(email="an@example.vn", status=ExpertStatus.REJECTED)
    exam_session = ExamSessionFactory()
    new = examinee(exam_session, email="an@example.vn")
    import_results(
        exam_session,
        rows_from_dicts([{"email": "an@example.vn", "score": 80}]),
        actor=exam_session.examiner,
    )
    assert result_rows() == [(new.id, 80)]
    assert old.id != new.id


def test_only_the_examiner_imports(ctx_en):
    exam_session = ExamSessionFactory()
    (email,) = bulk_experts(1, course=exam_session.course)
    outcome = import_results(
        exam_session,
        rows_from_dicts([{"email": email, "score": 80}]),
        actor=staff_of(exam_session.centre),
    )
    assert errors_of(outcome) == [(None, None, "Only the session's examiner records its results.")]
    assert count_results() == 0


def test_results_are_not_imported_before_the_exam(ctx_en):
    exam_session = ExamSessionFactory(held_on=today() + timedelta(days=3))
    (email,) = bulk_experts(1, course=exam_session.course)
    outcome = import_results(
        exam_session, rows_from_dicts([{"email": email, "score": 80}]), actor=exam_session.examiner
    )
    assert "from the day of the exam" in errors_of(outcome)[0][2]
    assert count_results() == 0


# --- the page --------------------------------------------------------------------------


def _examined_session(app, account, experts=500):
    with app.app_context():
        centre = db.session.get(TrainingCentre, account.centre_id)
        exam_session = ExamSessionFactory(centre=centre, examiner=db.session.get(User, account.id))
        emails = bulk_experts(experts, course=exam_session.course)
        db.session.commit()
        return f"/centres/{centre.code}/exams/{exam_session.id}", emails


def upload(client, url, data, filename):
    return client.post(
        f"{url}/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_an_xlsx_import_on_the_page(app, client, login_as):
    examiner = login_as("centre_staff")
    url, emails = _examined_session(app, examiner, experts=3)
    data = xlsx_file(HEADER, [[e, None, 60 + i * 10] for i, e in enumerate(emails)])
    response = upload(client, url, data, "ket-qua.xlsx")
    assert response.status_code == 302
    with app.app_context():
        assert [score for _id, score in result_rows()] == [60, 70, 80]
        event_ = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "exam_results.imported")
        )
        assert event_.details["created"] == 3 and event_.details["source"] == "ket-qua.xlsx"


def test_the_page_names_row_and_column_in_vietnamese_by_default(app, client, login_as):
    examiner = login_as("centre_staff")
    url, emails = _examined_session(app, examiner)
    rows = [[e, "", "80"] for e in emails]
    rows[250][2] = "101"
    response = upload(client, url, csv_file(HEADER, rows, bom=True), "ket-qua.csv")
    # Above REGISTRY_IMPORT_BACKGROUND_ROWS: the worker imports it, its page lists the errors.
    assert response.status_code == 302 and "/imports/jobs/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).text
    assert "<td>252</td><td>Điểm</td>" in page
    assert "Không có gì được nhập" in page
    with app.app_context():
        assert count_results() == 0


def test_the_page_in_english(app, client, login_as, english):
    examiner = login_as("centre_staff")
    url, emails = _examined_session(app, examiner, experts=2)
    response = upload(
        client, url, csv_file(HEADER, [[emails[0], "", "-1"], [emails[1], "", "5"]]), "x.csv"
    )
    assert response.status_code == 422
    text = response.text
    assert "<td>2</td>" in text and "<td>Score</td>" in text
    assert "The score must be between 0 and 100." in text


def test_the_same_file_twice_on_the_page(app, client, login_as, english):
    examiner = login_as("centre_staff")
    url, emails = _examined_session(app, examiner, experts=50)
    data = csv_file(HEADER, [[e, "", "75"] for e in emails], delimiter=";")
    assert upload(client, url, data, "ket-qua.csv").status_code == 302
    second = upload(client, url, data, "ket-qua.csv")
    assert second.status_code == 302
    assert "0 added, 0 updated, 50 unchanged" in client.get(second.headers["Location"]).text
    with app.app_context():
        assert count_results() == 50


def test_a_file_over_the_size_limit_is_refused(app, client, login_as, english):
    app.config["REGISTRY_IMPORT_MAX_BYTES"] = 1000
    examiner = login_as("centre_staff")
    url, emails = _examined_session(app, examiner, experts=100)
    data = csv_file(HEADER, [[e, "", "75"] for e in emails])
    assert len(data) > 1000
    response = upload(client, url, data, "ket-qua.csv")
    assert response.status_code == 422
    assert "The file is larger than" in response.text
    with app.app_context():
        assert count_results() == 0


def test_other_centres_staff_cannot_import(app, client, login_as):
    with app.app_context():
        exam_session = ExamSessionFactory(centre=CentreFactory(code="KHAC"))
        emails = bulk_experts(1, course=exam_session.course)
        db.session.commit()
        url = f"/centres/KHAC/exams/{exam_session.id}"
    login_as("centre_staff")
    assert client.get(f"{url}/import").status_code == 404
    response = upload(client, url, csv_file(HEADER, [[emails[0], "", "80"]]), "x.csv")
    assert response.status_code == 404
    with app.app_context():
        assert count_results() == 0


def test_the_results_template_downloads(app, client, login_as):
    examiner = login_as("centre_staff")
    url, _emails = _examined_session(app, examiner, experts=0)
    csv_template = client.get(f"{url}/template.csv")
    assert csv_template.status_code == 200
    assert "attachment" in csv_template.headers["Content-Disposition"]
    assert "Điểm (Score)" in csv_template.data.decode("utf-8-sig")
    xlsx = client.get(f"{url}/template.xlsx")
    assert xlsx.data.startswith(b"PK")
    assert client.get(f"{url}/template.pdf").status_code == 404


def test_the_results_template_comes_with_the_sessions_roster(app, client, login_as):
    from openpyxl import load_workbook

    from tests.factories import CourseFactory, EnrolmentFactory, ExpertFactory

    examiner = login_as("centre_staff")
    with app.app_context():
        centre = db.session.get(TrainingCentre, examiner.centre_id)
        course = CourseFactory(centre=centre)
        exam_session = ExamSessionFactory(
            centre=centre, course=course, examiner=db.session.get(User, examiner.id)
        )
        for email, name in (("b@example.vn", "Trần Văn Bình"), ("a@example.vn", "Lê Thị An")):
            EnrolmentFactory(course=course, expert=ExpertFactory(email=email, full_name=name))
        EnrolmentFactory()  # someone on another course
        db.session.commit()
        url = f"/centres/{centre.code}/exams/{exam_session.id}"
    lines = client.get(f"{url}/template.csv").data.decode("utf-8-sig").splitlines()
    assert lines[1:] == ["a@example.vn,Lê Thị An,", "b@example.vn,Trần Văn Bình,"]
    sheet = load_workbook(io.BytesIO(client.get(f"{url}/template.xlsx").data)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "a@example.vn",
        "b@example.vn",
    ]
