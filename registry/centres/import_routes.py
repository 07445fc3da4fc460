"""Bulk import pages of a centre: enrolments and completions, and the blank templates."""

import io
from functools import partial

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from registry.centres.forms import ImportForm
from registry.centres.import_jobs import (
    ENROLMENTS,
    ImportJob,
    background_rows,
    progress,
    start_job,
)
from registry.centres.imports import ImportOutcome, RowError
from registry.centres.imports.enrolments import COLUMNS as ENROLMENT_COLUMNS
from registry.centres.imports.enrolments import import_enrolments
from registry.centres.imports.files import FileProblem, read_upload, template_csv, template_xlsx
from registry.centres.routes import bp, load_centre
from registry.exams.models import ExamSession
from registry.extensions import db
from registry.permissions import can_manage_centre_records
from registry.tasks.jobs import run_import_job

TEMPLATE_TYPES = {
    "csv": (template_csv, "text/csv; charset=utf-8"),
    "xlsx": (
        template_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}


def run_import(storage, columns, importer, kind, centre, exam_session=None):
    """Read the uploaded file and import its rows with `importer(rows, actor=, source=)`;
    commits, and says so, only when every row passed.

    A file of more than REGISTRY_IMPORT_BACKGROUND_ROWS rows is not imported here: an import
    job of `kind` is recorded, committed and queued, and is returned instead of an outcome
    (its page follows it)."""
    try:
        data, rows, errors = read_upload(storage, columns)
    except FileProblem as exc:
        return ImportOutcome(errors=[RowError(None, None, exc.message)])
    if not errors and len(rows) > background_rows():
        job = start_job(
            kind,
            centre=centre,
            exam_session=exam_session,
            data=data,
            filename=storage.filename,
            rows=len(rows),
            actor=current_user,
        )
        db.session.commit()  # the worker reads the job from its own session
        run_import_job(job.id)
        return job
    if errors:
        outcome = ImportOutcome(rows=len(rows), errors=errors)
    else:
        outcome = importer(rows, actor=current_user, source=storage.filename)
    if not outcome.ok:
        db.session.rollback()
        return outcome
    db.session.commit()
    flash(
        _(
            "Import done: %(rows)s rows, %(created)s added, %(updated)s updated, "
            "%(unchanged)s unchanged.",
            rows=outcome.rows,
            created=outcome.created,
            updated=outcome.updated,
            unchanged=outcome.unchanged,
        ),
        "success",
    )
    return outcome


def send_template(columns, kind, name, rows=()):
    """The import template as a download; `rows` pre-fill it (e.g. a session's roster)."""
    if kind not in TEMPLATE_TYPES:
        abort(404)
    build, mimetype = TEMPLATE_TYPES[kind]
    return send_file(
        io.BytesIO(build(columns, rows)),
        mimetype=mimetype,
        as_attachment=True,
        download_name=f"{name}.{kind}",
    )


@bp.route("/<code>/imports", methods=["GET", "POST"])
@login_required
def imports(code):
    centre = load_centre(code)
    if not can_manage_centre_records(current_user, centre.id):
        abort(403)
    form = ImportForm()
    outcome = None
    if form.validate_on_submit():
        outcome = run_import(
            form.file.data,
            ENROLMENT_COLUMNS,
            partial(import_enrolments, centre),
            ENROLMENTS,
            centre,
        )
        if isinstance(outcome, ImportJob):
            return redirect(url_for(".import_job", code=centre.code, import_job_id=outcome.id))
        if outcome.ok:
            if outcome.trained:
                flash(_("%(count)s people are now trained.", count=outcome.trained), "success")
            return redirect(url_for(".imports", code=centre.code))
    examining = db.session.scalars(
        sa.select(ExamSession)
        .where(ExamSession.centre_id == centre.id, ExamSession.examiner_id == current_user.id)
        .order_by(ExamSession.held_on.desc())
    ).all()
    return render_template(
        "centres/imports.html",
        centre=centre,
        form=form,
        outcome=outcome,
        columns=ENROLMENT_COLUMNS,
        examining=examining,
        jobs=recent_jobs(centre),
    ), (422 if outcome is not None else 200)


@bp.get("/<code>/imports/enrolments-template.<kind>")
@login_required
def enrolment_template(code, kind):
    load_centre(code)  # 404 unless the caller may see the centre
    return send_template(ENROLMENT_COLUMNS, kind, "mau-ghi-danh-hoan-thanh")


def recent_jobs(centre, limit=10):
    """The centre's latest background imports, newest first, for the imports pages."""
    return db.session.scalars(
        sa.select(ImportJob)
        .where(ImportJob.centre_id == centre.id)
        .order_by(ImportJob.id.desc())
        .limit(limit)
    ).all()


@bp.get("/<code>/imports/jobs/<int:import_job_id>")
@login_required
def import_job(code, import_job_id):
    centre = load_centre(code)
    job = db.one_or_404(sa.select(ImportJob).filter_by(id=import_job_id, centre_id=centre.id))
    # Whoever started it, and the centre's record keepers; to anyone else it does not exist.
    if job.started_by_id != current_user.id and not can_manage_centre_records(
        current_user, centre.id
    ):
        abort(404)
    return render_template(
        "centres/import_job.html", centre=centre, job=job, progress=progress(job)
    )
