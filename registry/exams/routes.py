"""Exam sessions of a centre and their results, under /centres/<code>/exams."""

from functools import partial

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from registry.auth.models import User
from registry.centres.forms import ImportForm, choices
from registry.centres.import_jobs import RESULTS, ImportJob
from registry.centres.import_routes import run_import, send_template
from registry.centres.imports import experts_by_email
from registry.centres.models import Course
from registry.centres.routes import load_centre, refusals_shown
from registry.exams.corrections import corrections_of, request_correction
from registry.exams.forms import CorrectionForm, ExamSessionForm, ResultForm
from registry.exams.imports import COLUMNS as RESULT_COLUMNS
from registry.exams.imports import import_results
from registry.exams.models import ExamResult, ExamSession
from registry.exams.service import (
    ExamError,
    decisions_relying_on,
    examiner_candidates,
    has_results,
    record_result,
    recording_problem,
    save_session,
    session_roster,
)
from registry.experts.models import Expert
from registry.extensions import db
from registry.permissions import (
    can_manage_centre_records,
    can_record_exam_results,
    can_view_exam_session,
    has_own_centre,
    permission_required,
)
from registry.text import clean_email

bp = Blueprint("exams", __name__, url_prefix="/centres")


def _session_of(centre, session_id):
    return db.one_or_404(sa.select(ExamSession).filter_by(id=session_id, centre_id=centre.id))


@bp.get("/mine/exams")
@permission_required(has_own_centre)
def my_sessions():
    return redirect(url_for(".index", code=current_user.centre.code))


@bp.get("/<code>/exams")
@login_required
def index(code):
    centre = load_centre(code)
    passed = sa.case((ExamResult.score >= ExamSession.pass_mark, 1), else_=0)
    sessions = db.session.execute(
        sa.select(
            ExamSession, sa.func.count(ExamResult.id), sa.func.coalesce(sa.func.sum(passed), 0)
        )
        .outerjoin(ExamResult, ExamResult.session_id == ExamSession.id)
        .where(ExamSession.centre_id == centre.id)
        .group_by(ExamSession.id)
        .order_by(ExamSession.held_on.desc(), ExamSession.id.desc())
    ).all()
    return render_template(
        "exams/index.html",
        centre=centre,
        sessions=sessions,
        can_manage=can_manage_centre_records(current_user, centre.id),
    )


@bp.route("/<code>/exams/new", methods=["GET", "POST"], endpoint="new")
@bp.route("/<code>/exams/<int:session_id>/edit", methods=["GET", "POST"], endpoint="edit")
@login_required
def session_form(code, session_id=None):
    """A new exam session of the centre, or one of its sessions to edit."""
    centre = load_centre(code)
    exam_session = None if session_id is None else _session_of(centre, session_id)
    if not can_manage_centre_records(current_user, centre.id):
        abort(403)
    form = ExamSessionForm(obj=exam_session)
    courses = db.session.scalars(
        sa.select(Course).where(Course.centre_id == centre.id).order_by(Course.starts_on.desc())
    )
    form.course_id.choices = choices(
        [(0, "—")] + [(c.id, f"{c.code} · {c.title}") for c in courses]
    )
    form.examiner_id.choices = choices((u.id, u.full_name) for u in examiner_candidates(centre))
    if not form.is_submitted():
        form.course_id.data = exam_session.course_id if exam_session else 0
        form.examiner_id.data = exam_session.examiner_id if exam_session else current_user.id
    if form.validate_on_submit():
        with refusals_shown(ExamError):
            exam_session = save_session(
                centre,
                exam_session,
                course=db.session.get(Course, form.course_id.data),
                held_on=form.held_on.data,
                examiner=db.session.get(User, form.examiner_id.data),
                pass_mark=form.pass_mark.data,
                max_score=form.max_score.data,
                actor=current_user,
            )
            db.session.commit()
            flash(_("Exam session saved."), "success")
            return redirect(url_for(".detail", code=centre.code, session_id=exam_session.id))
    return render_template(
        "exams/form.html",
        centre=centre,
        form=form,
        exam_session=exam_session,
        locked=exam_session is not None and has_results(exam_session),
    )


@bp.route("/<code>/exams/<int:session_id>", methods=["GET", "POST"])
@login_required
def detail(code, session_id):
    centre = load_centre(code)
    exam_session = _session_of(centre, session_id)
    if not can_view_exam_session(current_user, exam_session):
        abort(404)
    form = ResultForm()
    if form.is_submitted() and not can_record_exam_results(current_user, exam_session):
        abort(403)
    if form.validate_on_submit():
        expert = _expert_by_email(form.email.data)
        if expert is None:
            form.email.errors.append(_("No expert in the registry has this email."))
        else:
            with refusals_shown(ExamError, form.score):
                result = record_result(exam_session, expert, form.score.data, actor=current_user)
                db.session.commit()
                flash(
                    _(
                        "Score of %(name)s recorded: %(score)s (%(verdict)s).",
                        name=expert.full_name,
                        score=result.score,
                        verdict=_("passed") if result.passed else _("not passed"),
                    ),
                    "success",
                )
                return redirect(url_for(".detail", code=centre.code, session_id=exam_session.id))
    results = db.session.scalars(
        sa.select(ExamResult)
        .join(Expert, Expert.id == ExamResult.expert_id)
        .where(ExamResult.session_id == exam_session.id)
        .order_by(Expert.name_key, Expert.id)
    ).all()
    return render_template(
        "exams/detail.html",
        centre=centre,
        exam_session=exam_session,
        results=results,
        frozen=decisions_relying_on(results),
        corrections=corrections_of(results),
        form=form,
        can_record=can_record_exam_results(current_user, exam_session),
        recording_problem=recording_problem(exam_session, current_user),
        can_manage=can_manage_centre_records(current_user, centre.id),
    )


@bp.route(
    "/<code>/exams/<int:session_id>/results/<int:result_id>/correction", methods=["GET", "POST"]
)
@login_required
def correction(code, session_id, result_id):
    """The examiner asks for a correction of a frozen result (an officer reviews it)."""
    centre = load_centre(code)
    exam_session = _session_of(centre, session_id)
    result = db.one_or_404(
        sa.select(ExamResult).filter_by(id=result_id, session_id=exam_session.id)
    )
    if not can_view_exam_session(current_user, exam_session):
        abort(404)
    if not can_record_exam_results(current_user, exam_session):
        abort(403)
    decisions = decisions_relying_on([result]).get(result.id, [])
    back = url_for(".detail", code=centre.code, session_id=exam_session.id)
    if not decisions:
        flash(_("No decision relied on this result: record the new score here."), "info")
        return redirect(back)
    form = CorrectionForm()
    if form.validate_on_submit():
        with refusals_shown(ExamError, form.reason):
            request_correction(result, form.score.data, form.reason.data, actor=current_user)
            db.session.commit()
            flash(_("Correction sent: an officer reviews it before the score changes."), "success")
            return redirect(back)
    return render_template(
        "exams/correction.html",
        centre=centre,
        exam_session=exam_session,
        result=result,
        decisions=decisions,
        corrections=corrections_of([result]).get(result.id, []),
        form=form,
    ), (422 if form.is_submitted() else 200)


def _expert_by_email(email):
    ref = experts_by_email([clean_email(email)]).get(clean_email(email))
    return db.session.get(Expert, ref.id) if ref else None


@bp.route("/<code>/exams/<int:session_id>/import", methods=["GET", "POST"])
@login_required
def import_page(code, session_id):
    centre = load_centre(code)
    exam_session = _session_of(centre, session_id)
    if not can_record_exam_results(current_user, exam_session):
        abort(403)
    form = ImportForm()
    outcome = None
    if form.validate_on_submit():
        outcome = run_import(
            form.file.data,
            RESULT_COLUMNS,
            partial(import_results, exam_session),
            RESULTS,
            centre,
            exam_session,
        )
        if isinstance(outcome, ImportJob):
            return redirect(
                url_for("centres.import_job", code=centre.code, import_job_id=outcome.id)
            )
        if outcome.ok:
            return redirect(url_for(".detail", code=centre.code, session_id=exam_session.id))
    return render_template(
        "exams/import.html",
        centre=centre,
        exam_session=exam_session,
        form=form,
        outcome=outcome,
        columns=RESULT_COLUMNS,
        recording_problem=recording_problem(exam_session, current_user),
    ), (422 if outcome is not None else 200)


@bp.get("/<code>/exams/<int:session_id>/template.<kind>")
@login_required
def template(code, session_id, kind):
    centre = load_centre(code)
    exam_session = _session_of(centre, session_id)
    if not can_view_exam_session(current_user, exam_session):
        abort(404)
    return send_template(
        RESULT_COLUMNS,
        kind,
        f"mau-ket-qua-thi-{exam_session.id}",
        rows=session_roster(exam_session),
    )
