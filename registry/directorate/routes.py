"""The directorate's pages: work queues and the decision forms of the lifecycle."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from registry.cases import complaints
from registry.cases.appeals import is_overdue
from registry.cases.models import Case
from registry.cases.service import CaseError
from registry.clock import local_day
from registry.database import utcnow
from registry.directorate.queues import QUEUES, counts, queue_query
from registry.enums import ExpertStatus, PublicReason, RequestStatus
from registry.exams.corrections import corrections_of, review_correction, review_problem
from registry.exams.forms import CorrectionReviewForm
from registry.exams.models import ExamResultCorrection
from registry.exams.service import ExamError, decisions_relying_on
from registry.experts.accreditation import decide_accreditation, evaluate_request
from registry.experts.applications import decide_name_change
from registry.experts.forms import ApplicationForm, RequestDecisionForm, decision_form
from registry.experts.lifecycle import (
    Conflict,
    LifecycleError,
    apply,
    evaluate,
    refusal,
    transition,
)
from registry.experts.models import AccreditationRequest, CpdRecord, Expert, NameChangeRequest
from registry.experts.progress import review_date
from registry.experts.renewal import decide_cpd
from registry.experts.routes import conflict_page, refused
from registry.experts.transitions import row_for
from registry.extensions import db
from registry.labels import STATUS_LABELS
from registry.permissions import can_decide_certification, can_view_work_queues

bp = Blueprint("directorate", __name__, url_prefix="/directorate")

PAGE_SIZE = 50


@bp.before_request
@login_required
def _officers_only():
    if not can_view_work_queues(current_user):
        abort(403)


@bp.get("/")
def queues():
    on = local_day(utcnow())
    return render_template("directorate/queues.html", queues=QUEUES, counts=counts(db.session, on))


@bp.get("/queue/<name>")
def queue(name):
    if name not in QUEUES:
        abort(404)
    on = local_day(utcnow())
    page = request.args.get("page", 1, type=int)
    pagination = db.paginate(queue_query(name, on), page=page, per_page=PAGE_SIZE, error_out=False)
    rows = [(item, _row_facts(name, item)) for item in pagination.items]
    return render_template(
        f"directorate/queue_{name}.html",
        name=name,
        title=QUEUES[name],
        pagination=pagination,
        rows=rows,
        form=RequestDecisionForm(),
    )


def _row_facts(name, item):
    """What the queue shows of each item's guard (evaluated for any independent officer)."""
    if name == "decisions":
        return evaluate(item, ExpertStatus.CERTIFIED, actor=None).conditions
    if name == "renewals":
        level = item.held_level if item.status == ExpertStatus.EXPIRED else item.status
        return evaluate(item, level, actor=None).conditions
    if name == "suspended":
        return review_date(item)
    if name == "appeals":
        return is_overdue(item, local_day(utcnow()))
    return None


def _done_message(result):
    message = _(
        "Done: %(name)s is now %(status)s.",
        name=result.expert.full_name,
        status=str(STATUS_LABELS[result.expert.status]),
    )
    if result.certificate is not None:
        message += " " + _("Certificate %(number)s issued.", number=result.certificate.number)
    return message


@bp.route("/experts/<int:expert_id>/decide/<to>", methods=["GET", "POST"])
def decide(expert_id, to):
    expert = db.session.get(Expert, expert_id) or abort(404)
    if to not in {s.value for s in ExpertStatus}:
        abort(404)
    to = ExpertStatus(to)
    row = row_for(expert, to)
    form = decision_form(row)
    # A complaint's handler comes from the case (?case=): the decision is the table's, the
    # change records the case and the case its change (registry/cases/complaints.py).
    case, case_problem = _from_case(expert, to)
    if not form.is_submitted():
        form.version.data = expert.version
        if case is not None and "reason_code" in form:
            form.reason_code.data = PublicReason.UNDER_REVIEW_AFTER_COMPLAINT.value
    status = 200
    if case_problem is None and form.validate_on_submit():
        try:
            result = transition(
                expert,
                to,
                actor=current_user,
                reason=form.reason.data if "reason" in form else None,
                evidence=form.evidence(),
                expected_version=request.form.get("version", type=int),
                case=case,
            )
            if case is not None:
                complaints.record_measure(case, result.change, current_user)
        except Conflict as exc:
            return conflict_page(exc)
        except (LifecycleError, CaseError) as exc:
            status = refused(exc)
        else:
            db.session.commit()
            flash(_done_message(result), "success")
            if case is not None:
                return redirect(url_for("cases.detail", case_id=case.id))
            return redirect(url_for("experts.detail", expert_id=expert.id))
    elif form.is_submitted():
        status = case_problem.http_status if case_problem else 422
    evaluation = evaluate(expert, to, actor=current_user)
    problem = case_problem
    if evaluation.row is None or not evaluation.permitted:
        problem = refusal(evaluation)
        status = problem.http_status
    return render_template(
        "directorate/decide.html",
        expert=expert,
        evaluation=evaluation,
        problem=problem,
        form=form,
        case=case,
        title=row.label if row else _("Decision"),
    ), status


def _from_case(expert, to):
    """(case named by ?case=, why it cannot lead to this decision or None); (None, None)
    when the decision is not taken from a case."""
    raw = request.args.get("case")
    if raw is None:
        return None, None
    case = db.session.get(Case, int(raw)) if raw.isdigit() else None
    if case is None:
        abort(404)
    try:
        complaints.check_measure(case, expert, to, current_user)
    except CaseError as exc:
        return case, exc
    return case, None


@bp.route("/accreditation/<int:request_id>", methods=["GET", "POST"])
def accreditation(request_id):
    accreditation_request = db.session.get(AccreditationRequest, request_id) or abort(404)
    form = RequestDecisionForm()
    if not form.is_submitted():
        form.version.data = accreditation_request.expert.version
    status = 200
    if form.validate_on_submit():
        try:
            result = decide_accreditation(
                accreditation_request,
                approve=bool(form.approve.data),
                actor=current_user,
                reason=form.reason.data,
                expected_version=request.form.get("version", type=int),
            )
        except Conflict as exc:
            return conflict_page(exc)
        except LifecycleError as exc:
            status = refused(exc)
        else:
            db.session.commit()
            flash(_done_message(result) if result else _("The request was refused."), "success")
            return redirect(url_for(".queue", name="accreditation"))
    evaluation = None
    if accreditation_request.status == RequestStatus.PENDING:
        evaluation = evaluate_request(accreditation_request, current_user)
    return render_template(
        "directorate/accreditation.html",
        item=accreditation_request,
        evaluation=evaluation,
        form=form,
    ), status


def _decide_request(decide, item, queue_name):
    form = RequestDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        decide(item, approve=bool(form.approve.data), actor=current_user)
    except Conflict as exc:
        return conflict_page(exc)
    except LifecycleError as exc:
        refused(exc)
    else:
        db.session.commit()
        flash(_("Decision recorded."), "success")
    return redirect(url_for(".queue", name=queue_name))


@bp.post("/cpd/<int:record_id>")
def cpd(record_id):
    record = db.session.get(CpdRecord, record_id) or abort(404)
    return _decide_request(decide_cpd, record, "cpd")


@bp.post("/name-changes/<int:request_id>")
def name_change(request_id):
    item = db.session.get(NameChangeRequest, request_id) or abort(404)
    return _decide_request(decide_name_change, item, "name_changes")


@bp.route("/result-corrections/<int:correction_id>", methods=["GET", "POST"])
def result_correction(correction_id):
    """An officer reviews the correction of a result a decision relied on."""
    correction = db.session.get(ExamResultCorrection, correction_id) or abort(404)
    form = CorrectionReviewForm()
    status = 200
    problem = review_problem(correction, current_user)
    if form.is_submitted() and problem:
        status = 403  # the page says why; nothing is written
    elif form.validate_on_submit():
        try:
            review_correction(
                correction,
                approve=bool(form.approve.data),
                note=form.note.data,
                actor=current_user,
            )
        except Conflict as exc:
            return conflict_page(exc)
        except ExamError as exc:
            db.session.rollback()
            form.note.errors.append(str(exc))
            status = 422
        else:
            db.session.commit()
            flash(_("Decision recorded."), "success")
            return redirect(url_for(".queue", name="result_corrections"))
    elif form.is_submitted():
        status = 422
    result = correction.result
    return render_template(
        "directorate/result_correction.html",
        correction=correction,
        result=result,
        decisions=decisions_relying_on([result]).get(result.id, []),
        history=corrections_of([result]).get(result.id, []),
        problem=problem,
        form=form,
    ), status


@bp.route("/apply", methods=["GET", "POST"])
def apply_on_behalf():
    if not can_decide_certification(current_user):
        abort(403)
    form = ApplicationForm()
    status = 200
    if form.validate_on_submit():
        try:
            result = apply(form.details(), actor=current_user)
        except LifecycleError as exc:
            status = refused(exc)
        else:
            db.session.commit()
            flash(_("The application of %(name)s was recorded.", name=result.expert.full_name))
            return redirect(url_for("experts.detail", expert_id=result.expert.id))
    elif form.is_submitted():
        status = 422
    return render_template("experts/apply.html", form=form, on_behalf=True), status
