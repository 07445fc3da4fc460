"""Import of enrolments and completions into a centre's courses."""

import io
import threading
import unicodedata
from datetime import date

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.audit.service import verify_chain
from registry.centres.imports import rows_from_dicts
from registry.centres.imports.enrolments import import_enrolments
from registry.centres.models import Enrolment, TrainingCentre
from registry.enums import ExpertStatus
from registry.experts.models import Expert, StatusChange
from registry.extensions import db
from tests.conftest import create_account
from tests.factories import (
    CentreFactory,
    CourseFactory,
    EnrolmentFactory,
    ExpertFactory,
    bulk_experts,
    csv_file,
    staff_of,
    topic,
    xlsx_file,
)

HEADER = [
    "Mã khóa học (Course code)",
    "Email (Email)",
    "Họ và tên (Full name)",
    "Số giờ tham dự (Attended hours)",
    "Hoàn thành (Completed)",
    "Ngày hoàn thành (Completion date)",
]
END = date(2026, 4, 10)  # CourseFactory's end date


def errors_of(outcome):
    return [(e.row, e.column.key if e.column else None, str(e.message)) for e in outcome.errors]


def count(model):
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def trained_count():
    return db.session.scalar(
        sa.select(sa.func.count(Expert.id)).where(Expert.status == ExpertStatus.TRAINED)
    )


def completion(code, email, hours=120, on="10/04/2026", **extra):
    return {
        "course_code": code,
        "email": email,
        "attended_hours": hours,
        "completed": "có",
        "completed_on": on,
        **extra,
    }


def test_enrol_and_complete_moves_applicants_to_trained(ctx):
    course = CourseFactory(code="CG-2026")
    staff = staff_of(course.centre)
    emails = bulk_experts(3)
    rows = rows_from_dicts(
        [
            completion("cg-2026", emails[0]),  # code case does not matter
            completion("CG-2026", emails[1], hours=90),  # 75 %: completed, not trained
            {"course_code": "CG-2026", "email": emails[2]},  # enrolled only
        ]
    )
    outcome = import_enrolments(course.centre, rows, actor=staff)
    assert outcome.ok, errors_of(outcome)
    assert (outcome.created, outcome.trained) == (3, 1)
    enrolments = db.session.scalars(sa.select(Enrolment).order_by(Enrolment.expert_id)).all()
    assert [(e.attended_hours, e.completed) for e in enrolments] == [
        (120, True),
        (90, True),
        (0, False),
    ]
    assert enrolments[0].completion_recorded_by_id == staff.id
    assert enrolments[0].expert.status == ExpertStatus.TRAINED
    assert enrolments[1].expert.status == ExpertStatus.APPLIED
    (change,) = db.session.scalars(sa.select(StatusChange)).all()
    assert change.reason == "Completed CG-2026" and change.actor_id == staff.id
    assert verify_chain().ok


def test_one_bad_row_among_500_writes_nothing_and_is_named(ctx_en):
    course = CourseFactory(code="CG-2026", capacity=500)
    staff = staff_of(course.centre)
    emails = bulk_experts(500)
    items = [completion("CG-2026", e) for e in emails]
    items[299]["attended_hours"] = 121  # row 300
    events = count(AuditEvent)
    outcome = import_enrolments(course.centre, rows_from_dicts(items), actor=staff)
    assert errors_of(outcome) == [
        (300, "attended_hours", "Attended hours cannot exceed the course's 120 hours.")
    ]
    assert count(Enrolment) == 0
    assert count(StatusChange) == 0
    assert trained_count() == 0
    assert count(AuditEvent) == events


def test_the_same_import_twice_creates_no_duplicates(ctx):
    course = CourseFactory(code="CG-2026")
    staff = staff_of(course.centre)
    emails = bulk_experts(10)
    rows = rows_from_dicts([completion("CG-2026", e) for e in emails])
    first = import_enrolments(course.centre, rows, actor=staff)
    second = import_enrolments(course.centre, rows, actor=staff)
    assert (first.created, first.trained) == (10, 10)
    assert (second.created, second.updated, second.unchanged, second.trained) == (0, 0, 10, 0)
    assert count(Enrolment) == 10
    assert count(StatusChange) == 10


def test_a_1000_row_import(ctx):
    course = CourseFactory(code="CG-2026", capacity=1000)
    staff = staff_of(course.centre)
    emails = bulk_experts(1000)
    rows = rows_from_dicts(
        [completion("CG-2026", e, hours=100 + i % 21) for i, e in enumerate(emails)]
    )
    outcome = import_enrolments(course.centre, rows, actor=staff)
    assert outcome.ok and outcome.created == 1000 and outcome.trained == 1000
    assert count(Enrolment) == 1000
    assert trained_count() == 1000
    assert count(StatusChange) == 1000


def test_capacity_counts_those_already_enrolled(ctx_en):
    course = CourseFactory(code="CG-2026", capacity=3)
    EnrolmentFactory(course=course)
    emails = bulk_experts(3)
    rows = rows_from_dicts([{"course_code": "CG-2026", "email": e} for e in emails])
    outcome = import_enrolments(course.centre, rows, actor=staff_of(course.centre))
    assert errors_of(outcome) == [(3, "course_code", "The course CG-2026 is full (3 places).")]
    assert count(Enrolment) == 1


def test_completion_before_the_course_ends_is_refused(ctx_en):
    course = CourseFactory(code="CG-2026")
    (email,) = bulk_experts(1)
    rows = rows_from_dicts([completion("CG-2026", email, on="09/04/2026")])
    outcome = import_enrolments(course.centre, rows, actor=staff_of(course.centre))
    assert errors_of(outcome) == [
        (
            1,
            "completed_on",
            "Completion cannot be recorded before the course ends (2026-04-10).",
        )
    ]
    assert count(Enrolment) == 0


def test_completion_cells_must_agree(ctx_en):
    course = CourseFactory(code="CG-2026")
    emails = bulk_experts(3)
    rows = rows_from_dicts(
        [
            completion("CG-2026", emails[0], on=""),
            {
                "course_code": "CG-2026",
                "email": emails[1],
                "completed": "không",
                "completed_on": "10/04/2026",
            },
            {"course_code": "CG-2026", "email": emails[2], "completed": "có lẽ"},
        ]
    )
    outcome = import_enrolments(course.centre, rows, actor=staff_of(course.centre))
    assert errors_of(outcome) == [
        (3, "completed", "Enter yes or no (có / không)."),
        (1, "completed_on", "Give the completion date."),
        (2, "completed", "A completion date is given but the course is not marked completed."),
    ]


def test_courses_are_those_of_the_centre_and_people_are_known(ctx_en):
    course = CourseFactory(code="CG-2026")
    CourseFactory(code="KHAC-1")  # another centre's course
    (email,) = bulk_experts(1)
    rows = rows_from_dicts(
        [
            {"course_code": "KHAC-1", "email": email},
            {"course_code": "CG-2026", "email": "ai@example.vn"},
            {"course_code": "", "email": email},
            {"course_code": "CG-2026", "email": email},
            {"course_code": "CG-2026", "email": email.upper()},
        ]
    )
    outcome = import_enrolments(course.centre, rows, actor=staff_of(course.centre))
    assert errors_of(outcome) == [
        (3, "course_code", "This cell is required."),
        (1, "course_code", "This centre has no course with this code."),
        (2, "email", "No expert in the registry has this email."),
        (5, "email", "Same course and person as row 4."),
    ]


def test_a_recorded_completion_is_not_changed_by_an_import(ctx_en):
    course = CourseFactory(code="CG-2026")
    staff = staff_of(course.centre)
    (email,) = bulk_experts(1)
    import_enrolments(course.centre, rows_from_dicts([completion("CG-2026", email)]), actor=staff)
    changed = import_enrolments(
        course.centre, rows_from_dicts([completion("CG-2026", email, hours=100)]), actor=staff
    )
    assert errors_of(changed) == [
        (1, "completed", "The completion was recorded on 2026-04-10 and can no longer be changed.")
    ]
    blank = import_enrolments(
        course.centre, rows_from_dicts([{"course_code": "CG-2026", "email": email}]), actor=staff
    )
    assert blank.ok and blank.unchanged == 1  # blank cells keep what is recorded


def test_names_with_combining_marks_match_the_record(ctx_en):
    course = CourseFactory(code="CG-2026")
    ExpertFactory(email="thang@example.vn", full_name="Nguyễn Văn Thắng")
    ExpertFactory(email="lan@example.vn", full_name="Trần Thị Lan")
    nfd = unicodedata.normalize("NFD", "Nguyễn  Văn Thắng ")
    assert nfd != unicodedata.normalize("NFC", nfd)
    rows = rows_from_dicts(
        [
            {"course_code": "CG-2026", "email": "thang@example.vn", "full_name": nfd},
            {"course_code": "CG-2026", "email": "lan@example.vn", "full_name": "Trần Thị Lân"},
            {"course_code": "CG-2026", "email": "lan@example.vn", "full_name": "Tran Thi Lan"},
        ]
    )
    outcome = import_enrolments(course.centre, rows, actor=staff_of(course.centre))
    # Accents are ignored in the comparison ("Tran Thi Lan" is her), not letters.
    assert errors_of(outcome) == [
        (
            2,
            "full_name",
            "The name does not match the registry's record for this email (Trần Thị Lan).",
        )
    ]


def test_a_short_course_or_other_topic_records_completion_without_training(ctx):
    course = CourseFactory(code="5S-1", topic=topic("5s"))
    (email,) = bulk_experts(1)
    outcome = import_enrolments(
        course.centre, rows_from_dicts([completion("5S-1", email)]), actor=staff_of(course.centre)
    )
    assert outcome.ok and outcome.trained == 0
    assert trained_count() == 0
    assert db.session.scalar(sa.select(Enrolment.completed))


# --- the page --------------------------------------------------------------------------


def _own_course(app, account, **kwargs):
    with app.app_context():
        centre = db.session.get(TrainingCentre, account.centre_id)
        CourseFactory(centre=centre, code="CG-2026", **kwargs)
        emails = bulk_experts(5)
        db.session.commit()
        return f"/centres/{centre.code}/imports", emails


def upload(client, url, data, filename):
    return client.post(
        url, data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data"
    )


def test_an_xlsx_import_on_the_page(app, client, login_as, english):
    staff = login_as("centre_staff")
    url, emails = _own_course(app, staff)
    rows = [["CG-2026", e, None, 110, "x", date(2026, 4, 10)] for e in emails]
    response = upload(client, url, xlsx_file(HEADER, rows), "ghi-danh.xlsx")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "5 added" in page and "5 people are now trained" in page
    with app.app_context():
        assert trained_count() == 5


def test_errors_are_listed_by_row_and_column(app, client, login_as, english):
    staff = login_as("centre_staff")
    url, emails = _own_course(app, staff)
    rows = [["CG-2026", e, "", "", "", ""] for e in emails]
    rows[3][3] = "200"
    response = upload(client, url, csv_file(HEADER, rows, bom=True), "ghi-danh.csv")
    assert response.status_code == 422
    assert "<td>5</td>" in response.text and "<td>Attended hours</td>" in response.text
    with app.app_context():
        assert count(Enrolment) == 0


def test_a_missing_column_is_reported(app, client, login_as, english):
    staff = login_as("centre_staff")
    url, emails = _own_course(app, staff)
    response = upload(client, url, csv_file(["Email (Email)"], [[emails[0]]]), "x.csv")
    assert response.status_code == 422
    assert "<td>Course code</td>" in response.text and "This column is missing." in response.text


def test_other_centres_staff_and_officers_cannot_import(app, client, login_as):
    with app.app_context():
        centre = CentreFactory(code="KHAC")
        CourseFactory(centre=centre, code="CG-2026")
        (email,) = bulk_experts(1)
        db.session.commit()
    data = csv_file(HEADER, [["CG-2026", email, "", "", "", ""]])
    login_as("centre_staff")
    assert client.get("/centres/KHAC/imports").status_code == 404
    assert upload(client, "/centres/KHAC/imports", data, "x.csv").status_code == 404
    client.post("/logout")
    login_as("officer")
    assert upload(client, "/centres/KHAC/imports", data, "x.csv").status_code == 403
    with app.app_context():
        assert count(Enrolment) == 0


def test_the_enrolment_template_downloads(app, client, login_as):
    staff = login_as("centre_staff")
    response = client.get(f"/centres/{staff.centre_code}/imports/enrolments-template.csv")
    assert response.status_code == 200
    header = response.data.decode("utf-8-sig").strip()
    assert header == ",".join(HEADER)
    xlsx = client.get(f"/centres/{staff.centre_code}/imports/enrolments-template.xlsx")
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")


def test_an_actor_loaded_before_a_commit_still_records_completions(ctx):
    # Regression: reading the expired actor's id mid-write flushed a completed enrolment
    # without its recorder, which the database refused.
    course = CourseFactory(code="CG-2026")
    staff = staff_of(course.centre)
    (email,) = bulk_experts(1)
    db.session.commit()  # expires `staff` and `course`
    outcome = import_enrolments(
        course.centre, rows_from_dicts([completion("CG-2026", email)]), actor=staff
    )
    assert outcome.ok and outcome.trained == 1


def test_every_problem_of_a_row_is_reported(ctx_en):
    course = CourseFactory(code="CG-2026")
    rows = rows_from_dicts(
        [{"course_code": "", "email": "không phải email", "attended_hours": "?"}]
    )
    outcome = import_enrolments(course.centre, rows, actor=staff_of(course.centre))
    assert sorted(errors_of(outcome)) == [
        (1, "attended_hours", "Enter a whole number."),
        (1, "course_code", "This cell is required."),
        (1, "email", "This is not an email address."),
    ]


def test_a_save_elsewhere_during_an_import_waits_instead_of_failing_it(
    app, backend, client, login_as, monkeypatch
):
    """SQLite: an import reads (a second, for a big file) and then writes. Someone saving
    anything meanwhile used to fail it ("database is locked": 503, nothing imported); the
    other save now waits for the import to commit, and both land."""
    if backend != "sqlite":
        pytest.skip("SQLite's single writer (PostgreSQL locks rows, not the database)")
    from registry.auth.models import User
    from registry.centres import import_routes

    staff = login_as("centre_staff")
    url, emails = _own_course(app, staff)
    with app.app_context():
        other_id = create_account(app, "officer").id

    def save_elsewhere():
        with app.app_context():
            db.session.execute(
                sa.update(User).where(User.id == other_id).values(full_name="Lê Văn Tám")
            )
            db.session.commit()
            db.session.remove()

    other = threading.Thread(target=save_elsewhere)
    real_import = import_routes.import_enrolments

    def import_while_someone_saves(*args, **kwargs):
        other.start()  # the import has read its centre and its user already
        other.join(timeout=0.5)
        return real_import(*args, **kwargs)

    monkeypatch.setattr(import_routes, "import_enrolments", import_while_someone_saves)
    rows = [["CG-2026", e, "", "", "", ""] for e in emails]
    response = upload(client, url, csv_file(HEADER, rows), "ghi-danh.csv")
    other.join(timeout=10)
    assert response.status_code == 302
    with app.app_context():
        assert count(Enrolment) == 5
        assert db.session.get(User, other_id).full_name == "Lê Văn Tám"
