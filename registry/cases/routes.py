"""Pages of the cases: the person appeals from /me; officers work a case; auditors read."""

import io

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from registry.audit import findings
from registry.audit.forms import CloseActionForm
from registry.audit.models import AuditEvent
from registry.auth.models import User
from registry.cases import appeals, complaints
from registry.cases.forms import (
    AppealForm,
    AssignForm,
    CaseDecisionForm,
    CaseStepForm,
    ComplaintForm,
    ConfirmComplaintForm,
)
from registry.cases.models import Case, CaseDocument
from registry.cases.service import FINDING_REQUIRED, CaseError
from registry.cases.statistics import case_figures
from registry.clock import local_day
from registry.database import utcnow
from registry.enums import CaseKind, CaseStatus, Role
from registry.experts.lifecycle import LifecycleError
from registry.experts.models import Expert
from registry.experts.transitions import rows_from
from registry.experts.uploads import MIMETYPES, UploadRefused, evidence_path
from registry.extensions import db, limiter
from registry.permissions import (
    can_appeal,
    can_close_action,
    can_decide_certification,
    can_handle_case,
    can_view_case,
    can_view_cases,
    permission_required,
)

bp = Blueprint("cases", __name__)

PAGE_SIZE = 50


def _refused(exc):
    db.session.rollback()
    flash(str(exc), "error")
    return getattr(exc, "http_status", 422)


@bp.route("/me/appeals/<ref>", methods=["GET", "POST"])
@login_required
def appeal(ref):
    expert = Expert.of_user(current_user) or abort(404)
    decision = appeals.find_decision(expert, ref) or abort(404)
    if not can_appeal(current_user, expert):
        abort(404)
    form = AppealForm()
    status = 422 if form.is_submitted() else 200  # unless taken or refused below
    if form.validate_on_submit():
        try:
            case = appeals.file_appeal(
                expert,
                decision,
                actor=current_user,
                grounds=form.grounds.data,
                files=request.files.getlist(form.documents.name),
            )
        except (CaseError, UploadRefused) as exc:
            status = _refused(exc)
        else:
            db.session.commit()
            flash(
                _("Your appeal is received. You will be told when it is acknowledged."), "success"
            )
            return redirect(url_for("cases.detail", case_id=case.id))
    open_until = {
        appeals.decision_ref(d): last
        for d, last in appeals.appealable_decisions(expert, local_day(utcnow()))
    }
    return render_template(
        "cases/appeal.html",
        form=form,
        expert=expert,
        decision=decision,
        last_day=open_until.get(ref),
    ), status


def _load_case(case_id):
    """The case, if the caller may see it; otherwise a 404 that names nobody."""
    case = db.session.get(Case, case_id)
    if case is None or not can_view_case(current_user, case):
        abort(404)
    return case


def _assign_form(case, **kwargs):
    """The form offering the officers who may take the case (not the decider)."""
    form = AssignForm(**kwargs)
    officers = db.session.scalars(
        sa.select(User).where(User.role == Role.OFFICER, User.active).order_by(User.full_name)
    ).all()
    form.handler.choices = [(o.id, o.full_name) for o in officers if can_handle_case(o, case)]
    return form


@bp.get("/cases/<int:case_id>")
@login_required
def detail(case_id):
    return _detail_page(_load_case(case_id))


def _measures(case):
    """The decisions of the table the handler of a complaint about a certified person may
    be led to now (suspend, withdraw), as (status, rule label)."""
    if (
        case.kind != CaseKind.COMPLAINT
        or case.expert is None
        or case.handler_id != current_user.id
        or not can_decide_certification(current_user)
    ):
        return []
    try:
        complaints.check_measure(case, case.expert, complaints.MEASURES[0], current_user)
    except CaseError:
        return []
    return [
        (target, row.label)
        for row, target in rows_from(case.expert)
        if target in complaints.MEASURES and row.by_officer
    ]


def _detail_page(case, status=200, decision_form=None, close_form=None):
    """The case, its steps and (for an officer who may handle it) the next step's form."""
    on = local_day(utcnow())
    finding = case.finding
    return render_template(
        "cases/detail.html",
        case=case,
        steps=db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id))
            .order_by(AuditEvent.id)
        ).all(),
        may_handle=can_handle_case(current_user, case),
        overdue=appeals.is_overdue(case, on),
        implied_rule=appeals.implied_rule(case),
        step_form=CaseStepForm(status=case.status.value),
        assign_form=_assign_form(case, status=case.status.value),
        decision_form=decision_form or CaseDecisionForm(case.kind, status=case.status.value),
        finding=finding,
        finding_overdue=finding is not None and findings.is_overdue(finding, on),
        may_close_action=finding is not None and can_close_action(current_user, finding),
        close_form=close_form or CloseActionForm(),
        measures=_measures(case),
        finding_required=FINDING_REQUIRED,
    ), status


def _after_step(case, message):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("cases.detail", case_id=case.id))


def _step_failed(case, exc, **forms):
    """Nothing of the step is kept; the page says why, with the refusal's status."""
    status = _refused(exc)
    db.session.refresh(case)
    return _detail_page(case, status, **forms)


@bp.post("/cases/<int:case_id>/acknowledge")
@login_required
def acknowledge(case_id):
    case = _load_case(case_id)
    form = CaseStepForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        appeals.acknowledge(case, actor=current_user, expected_status=form.status.data)
    except CaseError as exc:
        return _step_failed(case, exc)
    return _after_step(
        case,
        _(
            "Acknowledged; the person is told the decision is due by %(day)s.",
            day=case.due_on.strftime("%d/%m/%Y"),
        ),
    )


@bp.post("/cases/<int:case_id>/assign")
@login_required
def assign(case_id):
    case = _load_case(case_id)
    form = _assign_form(case)
    if not form.validate_on_submit():
        abort(400)
    # Whoever is named, the service decides whether they may handle the case.
    handler = db.session.get(User, form.handler.data) or abort(400)
    try:
        appeals.assign(case, handler, actor=current_user, expected_status=form.status.data)
    except CaseError as exc:
        return _step_failed(case, exc)
    return _after_step(case, _("Assigned to %(name)s.", name=handler.full_name))


@bp.post("/cases/<int:case_id>/decide")
@login_required
def decide(case_id):
    case = _load_case(case_id)
    form = CaseDecisionForm(case.kind)
    if not form.validate_on_submit():
        flash(_("Give the outcome and the reasons for the decision."), "error")
        return _detail_page(case, 422, decision_form=form)
    try:
        if case.kind == CaseKind.COMPLAINT:
            complaints.decide(
                case,
                form.outcome.data,
                actor=current_user,
                reasons=form.reasons.data,
                expected_status=form.status.data,
                corrective_action=form.corrective_action.data,
                action_owner=form.action_owner.data,
                due_on=form.due_on.data,
            )
        else:
            appeals.decide(
                case,
                form.outcome.data,
                actor=current_user,
                reasons=form.reasons.data,
                expected_status=form.status.data,
            )
    except (CaseError, LifecycleError) as exc:
        return _step_failed(case, exc, decision_form=form)
    return _after_step(case, _("Decided."))


@bp.post("/cases/<int:case_id>/close")
@login_required
def close(case_id):
    case = _load_case(case_id)
    form = CaseStepForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        appeals.close(case, actor=current_user, expected_status=form.status.data)
    except CaseError as exc:
        return _step_failed(case, exc)
    return _after_step(case, _("Closed."))


@bp.post("/cases/<int:case_id>/finding/close")
@login_required
def close_action(case_id):
    """Mark the corrective action of the case's finding done, with what was done."""
    case = _load_case(case_id)
    finding = case.finding or abort(404)
    permitted = can_close_action(current_user, finding)
    form = CloseActionForm()
    if not form.validate_on_submit():
        flash(_("Say how the nonconformity was corrected."), "error")
        return _detail_page(case, 422, close_form=form)
    try:
        findings.close_action(
            finding, actor=current_user, closed_on=form.closed_on.data, note=form.note.data
        )
    except findings.AuditError as exc:
        _refused(exc)
        db.session.refresh(case)
        return _detail_page(case, 422 if permitted else 403)
    return _after_step(case, _("Corrective action closed."))


@bp.get("/cases/<int:case_id>/documents/<int:document_id>")
@login_required
def document(case_id, document_id):
    case = _load_case(case_id)
    document = db.session.get(CaseDocument, document_id)
    if document is None or document.case_id != case.id:
        abort(404)
    try:
        path = evidence_path(document.path)
    except UploadRefused:
        abort(404)
    if not path.is_file():
        abort(404)
    return send_file(
        io.BytesIO(path.read_bytes()),
        mimetype=MIMETYPES.get(path.suffix.lstrip("."), "application/octet-stream"),
        as_attachment=True,
        download_name=document.name,
    )


@bp.get("/audit/cases")
@permission_required(can_view_cases)
def index():
    """Every case, open ones first by due day; overdue ones flagged (read-only)."""
    page = request.args.get("page", 1, type=int)
    query = (
        sa.select(Case)
        .where(Case.confirmed_at.is_not(None))
        .order_by((Case.status == CaseStatus.CLOSED), Case.due_on, Case.id)
    )
    pagination = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    on = local_day(utcnow())
    actions = [f for f in findings.open_actions() if f.case_id is not None]
    return render_template(
        "cases/index.html",
        pagination=pagination,
        rows=[(c, appeals.is_overdue(c, on)) for c in pagination.items],
        figures=case_figures(on),
        actions=[(f, findings.is_overdue(f, on)) for f in actions],
    )


@bp.route("/complaints/new", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["REGISTRY_COMPLAINT_RATE_LIMIT"],
    methods=["POST"],
)
def complain():
    """The public complaint form: anyone, signed in or not; the address is confirmed by mail."""
    form = ComplaintForm()
    if not form.is_submitted() and current_user.is_authenticated:
        form.contact_name.data, form.contact_email.data = current_user.full_name, current_user.email
    status = 422 if form.is_submitted() else 200  # unless taken or refused below
    if form.validate_on_submit():
        try:
            complaints.file_complaint(
                subject=form.subject.data,
                reference=form.reference.data,
                contact_name=form.contact_name.data,
                contact_email=form.contact_email.data,
                grounds=form.grounds.data,
                actor=current_user if current_user.is_authenticated else None,
            )
        except CaseError as exc:
            status = _refused(exc)
        else:
            db.session.commit()
            return render_template("cases/complaint_sent.html", email=form.contact_email.data)
    return render_template("cases/complaint.html", form=form), status


@bp.route("/complaints/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTRY_COMPLAINT_RATE_LIMIT"], methods=["POST"])
def confirm_complaint(token):
    form = ConfirmComplaintForm()
    status = 200
    if form.validate_on_submit():
        try:
            case = complaints.confirm(token)
        except CaseError as exc:
            status = _refused(exc)
        else:
            db.session.commit()
            flash(
                _(
                    "Your complaint #%(id)s is confirmed; you are told of each step by mail.",
                    id=case.id,
                ),
                "success",
            )
            return redirect(url_for("public.home"))
    return render_template("cases/complaint_confirm.html", form=form), status
