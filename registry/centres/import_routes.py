"""Bulk import pages of a centre: enrolments and completions, and the blank templates."""

import io

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from registry.centres.forms import ImportForm
from registry.centres.imports import ImportOutcome
from registry.centres.imports.enrolments import COLUMNS as ENROLMENT_COLUMNS
from registry.centres.imports.enrolments import import_enrolments
from registry.centres.imports.files import FileProblem, read_upload, template_csv, template_xlsx
from registry.centres.routes import bp, load_centre
from registry.exams.models import ExamSession
from registry.extensions import db
from registry.permissions import can_manage_centre_records

TEMPLATE_TYPES = {
    "csv": (template_csv, "text/csv; charset=utf-8"),
    "xlsx": (
        template_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}


def run_import(storage, columns, importer):
    """Read the uploaded file and import its rows; commits only when every row passed."""
    try:
        rows, errors = read_upload(storage, columns)
    except FileProblem as exc:
        outcome = ImportOutcome()
        outcome.error(None, None, exc.message)
        return outcome
    outcome = ImportOutcome(rows=len(rows), errors=errors) if errors else importer(rows)
    if outcome.ok:
        db.session.commit()
    else:
        db.session.rollback()
    return outcome


def send_template(columns, kind, name):
    if kind not in TEMPLATE_TYPES:
        abort(404)
    build, mimetype = TEMPLATE_TYPES[kind]
    return send_file(
        io.BytesIO(build(columns)),
        mimetype=mimetype,
        as_attachment=True,
        download_name=f"{name}.{kind}",
    )


def flash_outcome(outcome):
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


@bp.route("/<code>/imports", methods=["GET", "POST"])
@login_required
def imports(code):
    centre = load_centre(code)
    if not can_manage_centre_records(current_user, centre.id):
        abort(403)
    form = ImportForm()
    outcome = None
    if form.validate_on_submit():
        storage = form.file.data
        outcome = run_import(
            storage,
            ENROLMENT_COLUMNS,
            lambda rows: import_enrolments(
                centre, rows, actor=current_user, source=storage.filename
            ),
        )
        if outcome.ok:
            flash_outcome(outcome)
            if outcome.trained:
                flash(_("%(count)s people are now trained.", count=outcome.trained), "success")
            return redirect(url_for(".imports", code=centre.code))
    examining = db.session.scalars(
        sa.select(ExamSession)
        .where(ExamSession.centre_id == centre.id, ExamSession.examiner_id == current_user.id)
        .order_by(ExamSession.held_on.desc())
    ).all()
    page = render_template(
        "centres/imports.html",
        centre=centre,
        form=form,
        outcome=outcome,
        columns=ENROLMENT_COLUMNS,
        examining=examining,
    )
    return page, (422 if outcome is not None else 200)


@bp.get("/<code>/imports/enrolments-template.<kind>")
@login_required
def enrolment_template(code, kind):
    load_centre(code)  # 404 unless the caller may see the centre
    return send_template(ENROLMENT_COLUMNS, kind, "mau-ghi-danh-hoan-thanh")
