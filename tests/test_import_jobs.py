"""Imports above REGISTRY_IMPORT_BACKGROUND_ROWS run as tasks (immediate mode in tests)."""

import sqlalchemy as sa

from registry.centres.import_jobs import DONE, ENROLMENTS, FAILED, RUNNING, ImportJob, start_job
from registry.centres.imports import enrolments
from registry.centres.models import Enrolment, TrainingCentre
from registry.enums import ExpertStatus
from registry.experts.models import Expert, StatusChange
from registry.extensions import db
from registry.mail.models import OutboxMessage
from registry.tasks.jobs import resume_open_work, run_import_job
from tests.factories import CentreFactory, CourseFactory, bulk_experts, csv_file, staff_of
from tests.test_import_enrolments import HEADER, count, upload, with_dob


def _big_file(app, account, people=6, **course):
    """A completion file of `people` rows for a course of the account's centre; the
    background threshold is lowered below it."""
    app.config["REGISTRY_IMPORT_BACKGROUND_ROWS"] = 3
    with app.app_context():
        centre = db.session.get(TrainingCentre, account.centre_id)
        CourseFactory(centre=centre, code="CG-2026", **course)
        emails = bulk_experts(people)
        db.session.commit()
        code = centre.code
    rows = with_dob(app, [["CG-2026", e, None, 110, "x", "10/04/2026"] for e in emails])
    return f"/centres/{code}/imports", rows


def _messages():
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "import_finished")
    ).all()


def test_a_big_import_becomes_a_job_that_the_worker_completes(app, client, login_as, english):
    staff = login_as("centre_staff")
    url, rows = _big_file(app, staff)
    response = upload(client, url, csv_file(HEADER, rows), "lon.csv")
    assert response.status_code == 302 and "/imports/jobs/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).text
    assert "imported" in page and "6 rows, 6 added, 0 updated, 0 unchanged" in page
    assert "6 people are now trained" in page
    assert "lon.csv" in client.get(url).text  # the imports page links the job
    with app.app_context():
        job = db.session.scalar(sa.select(ImportJob))
        assert (job.status, job.rows, job.created, job.trained) == (DONE, 6, 6, 6)
        assert count(Enrolment) == 6
        (message,) = _messages()
        assert message.key == f"import_finished:import_job:{job.id}"
        assert message.to_address == staff.email and "6 thêm mới" in message.body_text
        assert f"/imports/jobs/{job.id}" in message.body_text
        run_import_job.call_local(job.id)  # a finished job is not imported again
        assert len(_messages()) == 1 and count(Enrolment) == 6


def test_a_small_import_still_runs_in_the_request(app, client, login_as):
    staff = login_as("centre_staff")
    url, rows = _big_file(app, staff, people=3)
    response = upload(client, url, csv_file(HEADER, rows), "nho.csv")
    assert response.status_code == 302 and response.headers["Location"].endswith("/imports")
    with app.app_context():
        assert count(Enrolment) == 3 and count(ImportJob) == 0


def test_a_bad_row_in_a_big_file_writes_nothing_and_lists_the_errors(app, client, login_as):
    staff = login_as("centre_staff")
    url, rows = _big_file(app, staff)
    rows[4][4] = "200"  # more hours than the course has: spreadsheet row 6
    response = upload(client, url, csv_file(HEADER, rows), "sai.csv")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    # In the starter's language (Vietnamese unless they chose English), by row and column.
    assert "Không có gì được nhập" in page
    assert "<td>6</td><td>Số giờ tham dự</td>" in page
    with app.app_context():
        job = db.session.scalar(sa.select(ImportJob))
        assert job.status == FAILED and [e["row"] for e in job.errors] == [6]
        assert count(Enrolment) == 0
        trained = sa.select(sa.func.count(Expert.id)).where(Expert.status == ExpertStatus.TRAINED)
        assert db.session.scalar(trained) == 0
        (message,) = _messages()
        assert message.locale == "vi" and "lỗi" in message.subject


def test_rerunning_a_job_after_a_kill_doubles_nothing(app, login_as):
    staff = login_as("centre_staff")
    _url, rows = _big_file(app, staff)
    with app.app_context():
        from registry.auth.models import User

        actor = db.session.get(User, staff.id)
        centre = db.session.get(TrainingCentre, staff.centre_id)
        job = start_job(
            ENROLMENTS,
            centre=centre,
            data=csv_file(HEADER, rows),
            filename="lon.csv",
            rows=len(rows),
            actor=actor,
        )
        job.status = RUNNING  # a worker took it and was killed: its transaction is gone
        db.session.commit()
        job_id = job.id
        resume_open_work.call_local()  # what the worker does when it starts again
        resume_open_work.call_local()
        db.session.rollback()
        job = db.session.get(ImportJob, job_id)
        assert (job.status, job.created, job.attempts) == (DONE, 6, 1)
        assert count(Enrolment) == 6
        assert db.session.scalar(sa.select(sa.func.count(StatusChange.id))) == 6
        assert len(_messages()) == 1


def test_a_job_is_not_found_by_other_centres(app, client, login_as):
    staff = login_as("centre_staff")
    url, rows = _big_file(app, staff)
    location = upload(client, url, csv_file(HEADER, rows), "lon.csv").headers["Location"]
    client.post("/logout")
    with app.app_context():
        other = staff_of(CentreFactory(code="KHAC"))
        db.session.commit()
        other_email = other.email
    from tests.conftest import sign_in

    sign_in(client, other_email)
    assert client.get(location).status_code == 404
    assert client.get(location.replace(f"/{staff.centre_code}/", "/KHAC/")).status_code == 404


def test_the_page_shows_the_phase_and_the_rows_done_while_the_job_runs(
    app, client, login_as, english, monkeypatch
):
    staff = login_as("centre_staff")
    _url, rows = _big_file(app, staff)
    with app.app_context():
        from registry.auth.models import User

        job = start_job(
            ENROLMENTS,
            centre=db.session.get(TrainingCentre, staff.centre_id),
            data=csv_file(HEADER, rows),
            filename="lon.csv",
            rows=len(rows),
            actor=db.session.get(User, staff.id),
        )
        db.session.commit()
        job_id = job.id
    page_url = f"/centres/{staff.centre_code}/imports/jobs/{job_id}"
    page = client.get(page_url).text
    assert "waiting for its turn" in page and "<progress" not in page  # not started yet
    seen = []
    mark_many_trained = enrolments.mark_many_trained

    def look_while_writing(pairs, actor):
        seen.append(client.get(page_url).text)  # the person opens the page meanwhile
        return mark_many_trained(pairs, actor)

    monkeypatch.setattr(enrolments, "mark_many_trained", look_while_writing)
    run_import_job.call_local(job_id)
    (page,) = seen
    assert "importing" in page and 'http-equiv="refresh"' in page
    assert "Writing the rows" in page and "0 of 6 rows" in page
    assert '<progress value="0" max="6"' in page
    page = client.get(page_url).text  # when done: the result, and no more refreshing
    assert "6 rows, 6 added" in page and "Writing the rows" not in page
    assert 'http-equiv="refresh"' not in page


def test_an_unexpected_error_ends_the_job_as_failed_with_nothing_written(
    app, client, login_as, monkeypatch
):
    staff = login_as("centre_staff")
    url, rows = _big_file(app, staff)

    def broken(pairs, actor):
        raise RuntimeError("a fault of the registry's")

    monkeypatch.setattr(enrolments, "mark_many_trained", broken)  # after the enrolments
    response = upload(client, url, csv_file(HEADER, rows), "lon.csv")
    page = client.get(response.headers["Location"]).text
    assert "Không có gì được nhập" in page and "lỗi không lường trước" in page
    assert 'http-equiv="refresh"' not in page
    with app.app_context():
        job = db.session.scalar(sa.select(ImportJob))
        assert job.status == FAILED and job.finished_at is not None
        assert [e["row"] for e in job.errors] == [None]
        assert count(Enrolment) == 0 and count(StatusChange) == 0
        (message,) = _messages()  # the starter is told, with the error
        assert "lỗi không lường trước" in message.body_text
        assert "lỗi không lường trước" in message.body_html
        run_import_job.call_local(job.id)  # the ended job stays ended
        assert count(Enrolment) == 0
    monkeypatch.undo()
    response = upload(client, url, csv_file(HEADER, rows), "lon.csv")  # the file again
    assert "6 người đã chuyển sang" in client.get(response.headers["Location"]).text
    with app.app_context():
        assert count(Enrolment) == 6 and count(StatusChange) == 6
