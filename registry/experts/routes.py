"""Expert lists for the directorate, an expert's record, and an expert's own pages."""

import io

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from registry.auth.routes import sign_in
from registry.cases import appeals
from registry.cases.models import Case
from registry.clock import local_day
from registry.database import utcnow
from registry.enums import CERTIFIED_LEVELS, ExpertStatus, RequestStatus
from registry.exams.corrections import corrections_by_decision
from registry.experts import progress
from registry.experts.accreditation import submit_accreditation
from registry.experts.applications import request_name_change, sign_up, update_profile
from registry.experts.contact import update_contact_details
from registry.experts.forms import (
    AccreditationForm,
    ApplicationForm,
    ConfirmForm,
    ContactForm,
    CpdForm,
    NameChangeForm,
    SignUpForm,
)
from registry.experts.lifecycle import LifecycleError, apply, transition
from registry.experts.models import AccreditationRequest, CpdRecord, Expert, NameChangeRequest
from registry.experts.renewal import record_cpd
from registry.experts.transitions import LABELS as RULE_LABELS
from registry.experts.uploads import MIMETYPES, UploadRefused, evidence_path
from registry.extensions import db
from registry.permissions import (
    can_appeal,
    can_browse_experts,
    can_decide_certification,
    can_edit_application,
    can_request_name_change,
    can_submit_accreditation,
    can_view_accreditation_document,
    can_view_case,
    can_view_expert,
    can_view_request_document,
    has_expert_account,
    is_the_expert,
    permission_required,
)

bp = Blueprint("experts", __name__)

PAGE_SIZE = 50


def refused(exc):
    """Undo the request's writes and say why (flash); the caller re-renders or redirects."""
    db.session.rollback()
    flash(str(exc), "error")
    return exc.http_status


def conflict_page(exc):
    db.session.rollback()
    return render_template(
        "error.html", status=exc.http_status, title=_("Not done"), message=str(exc)
    ), exc.http_status


@bp.get("/experts")
@permission_required(can_browse_experts)
def index():
    status = request.args.get("status") or None
    query_text = (request.args.get("q") or "").strip()
    page = request.args.get("page", 1, type=int)
    query = sa.select(Expert).order_by(Expert.name_key, Expert.id)
    if status in {s.value for s in ExpertStatus}:
        query = query.where(Expert.status == status)
    if query_text:
        query = query.where(Expert.matching(query_text))
    pagination = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    return render_template(
        "experts/index.html",
        pagination=pagination,
        statuses=list(ExpertStatus),
        status=status,
        q=query_text,
    )


def _record_context(expert):
    return {
        "expert": expert,
        "steps": progress.next_steps(expert),
        "decisions": progress.officer_decisions(expert)
        if can_decide_certification(current_user)
        else [],
        "requests": {
            "name_changes": _requests_of(expert, NameChangeRequest, NameChangeRequest.id.desc()),
            "accreditations": _requests_of(
                expert, AccreditationRequest, AccreditationRequest.id.desc()
            ),
        },
        "cpd_records": _requests_of(expert, CpdRecord, CpdRecord.completed_on.desc()),
        "can_edit": can_edit_application(current_user, expert),
        "can_rename": expert.status not in (ExpertStatus.APPLIED, ExpertStatus.WITHDRAWN)
        and can_request_name_change(current_user, expert),
        "can_accredit": expert.status in (ExpertStatus.CERTIFIED, ExpertStatus.ACCREDITED_REGIONAL)
        and can_submit_accreditation(current_user, expert),
        "rule_labels": RULE_LABELS,
        "evidence_items": progress.evidence_items,
        "result_corrections": corrections_by_decision(expert),
        "is_self": is_the_expert(current_user, expert),
        "confirm_form": ConfirmForm(),
        **_case_context(expert),
    }


def _case_context(expert):
    """The expert's appeals (for whoever may see them) and, for the expert, the decisions
    still open to appeal with their last day."""
    cases = db.session.scalars(
        sa.select(Case).where(Case.expert_id == expert.id).order_by(Case.id)
    ).all()
    appealable = []
    if can_appeal(current_user, expert):
        appealable = [
            (appeals.decision_ref(decision), decision, last)
            for decision, last in appeals.appealable_decisions(expert, local_day(utcnow()))
        ]
    return {
        "cases": [c for c in cases if can_view_case(current_user, c)],
        "appealable": appealable,
    }


def _requests_of(expert, model, order):
    return db.session.scalars(
        sa.select(model).where(model.expert_id == expert.id).order_by(order)
    ).all()


def visible_expert(expert_id):
    """The expert with this id, or 404 naming nobody when the caller may not see the record."""
    expert = db.session.get(Expert, expert_id)
    if expert is None or not can_view_expert(current_user, expert):
        abort(404)
    return expert


@bp.get("/experts/<int:expert_id>")
@login_required
def detail(expert_id):
    expert = visible_expert(expert_id)
    return render_template("experts/detail.html", **_record_context(expert))


@bp.get("/me")
@permission_required(has_expert_account)
def me():
    expert = Expert.of_user(current_user)
    context = _record_context(expert) if expert else {"expert": None}
    return render_template("experts/me.html", **context)


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("public.home"))
    form = SignUpForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = sign_up(
                email=form.email.data, full_name=form.full_name.data, password=form.password.data
            )
        except LifecycleError as exc:
            status = refused(exc)
        else:
            db.session.commit()
            sign_in(user)  # a fresh session, as at /login
            flash(_("Your account was created. Confirm your email to go on."), "success")
            return redirect(url_for("auth.confirm_wait"))
    return render_template("experts/signup.html", form=form), status


@bp.route("/me/apply", methods=["GET", "POST"])
@permission_required(has_expert_account)
def apply_self():
    if Expert.of_user(current_user) is not None:
        return redirect(url_for(".me"))
    form = ApplicationForm()
    if not form.is_submitted():
        form.full_name.data = current_user.full_name
    return form_page(
        form,
        lambda: apply(form.details(), actor=current_user),
        _("Your application was received."),
        url_for(".me"),
        "experts/apply.html",
        on_behalf=False,
    )


@bp.post("/me/reapply")
@permission_required(has_expert_account)
def reapply():
    expert = Expert.of_user(current_user) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        transition(expert, ExpertStatus.APPLIED, actor=current_user)
    except LifecycleError as exc:
        return conflict_page(exc)
    db.session.commit()
    flash(_("You applied again. Check your profile and correct it if needed."), "success")
    return redirect(url_for(".me"))


def form_page(form, act, done, next_url, template, *, invalid_status=422, **context):
    """A form's page: a valid submission runs `act()`, then commits, flashes `done` and goes
    to `next_url`; a refusal is flashed and the page shown again with its status, as is an
    invalid form (`invalid_status`)."""
    status = 200
    if form.validate_on_submit():
        try:
            act()
        except LifecycleError as exc:
            status = refused(exc)
        else:
            db.session.commit()
            flash(done, "success")
            return redirect(next_url)
    elif form.is_submitted():
        status = invalid_status
    return render_template(template, form=form, **context), status


def _expert_for(expert_id, may):
    """The visible expert (visible_expert) on whose record `may(current_user, expert)`; else 403."""
    expert = visible_expert(expert_id)
    if not may(current_user, expert):
        abort(403)
    return expert


def _expected_version():
    return request.form.get("version", type=int)


@bp.route("/experts/<int:expert_id>/edit", methods=["GET", "POST"])
@login_required
def edit(expert_id):
    expert = _expert_for(expert_id, can_edit_application)
    if expert.status != ExpertStatus.APPLIED and request.method == "GET":
        # Past the application only contact details change; the name by a request.
        return redirect(url_for(".contact", expert_id=expert.id))
    form = ApplicationForm(obj=expert)
    if not form.is_submitted():
        form.organisation_type.data = expert.organisation_type.value
    return form_page(
        form,
        lambda: update_profile(
            expert, form.details(), actor=current_user, expected_version=_expected_version()
        ),
        _("The profile was saved."),
        _record_url(expert),
        "experts/edit.html",
        expert=expert,
    )


@bp.route("/experts/<int:expert_id>/contact", methods=["GET", "POST"])
@login_required
def contact(expert_id):
    expert = _expert_for(expert_id, can_edit_application)
    form = ContactForm(obj=expert)
    if not form.is_submitted():
        form.organisation_type.data = expert.organisation_type.value
    return form_page(
        form,
        lambda: update_contact_details(
            expert, form.details(), actor=current_user, expected_version=_expected_version()
        ),
        _("Your details were saved."),
        _record_url(expert),
        "experts/contact.html",
        expert=expert,
    )


def _record_url(expert):
    if is_the_expert(current_user, expert):
        return url_for(".me")
    return url_for(".detail", expert_id=expert.id)


@bp.route("/experts/<int:expert_id>/name-change", methods=["GET", "POST"])
@login_required
def name_change(expert_id):
    expert = _expert_for(expert_id, can_request_name_change)
    form = NameChangeForm()
    return form_page(
        form,
        lambda: request_name_change(
            expert,
            new_name=form.new_name.data,
            reason=form.reason.data,
            actor=current_user,
            **_upload(form.document.data),
        ),
        _("Your request was sent to the directorate."),
        _record_url(expert),
        "experts/name_change.html",
        invalid_status=200,
        expert=expert,
    )


@bp.route("/me/cpd", methods=["GET", "POST"])
@permission_required(has_expert_account)
def cpd():
    expert = Expert.of_user(current_user) or abort(404)
    form = CpdForm()
    records = _requests_of(expert, CpdRecord, CpdRecord.completed_on.desc())
    return form_page(
        form,
        lambda: record_cpd(
            expert,
            activity=form.activity.data,
            hours=form.hours.data,
            completed_on=form.completed_on.data,
            actor=current_user,
            **_upload(form.document.data),
        ),
        _("Recorded. An officer will confirm the hours."),
        url_for(".cpd"),
        "experts/cpd.html",
        invalid_status=200,
        expert=expert,
        records=records,
        confirmed=sum(r.hours for r in records if r.status == RequestStatus.APPROVED),
        open_to_cpd=expert.status in (*CERTIFIED_LEVELS, ExpertStatus.EXPIRED),
    )


@bp.route("/experts/<int:expert_id>/accreditation", methods=["GET", "POST"])
@login_required
def accreditation(expert_id):
    expert = _expert_for(expert_id, can_submit_accreditation)
    form = AccreditationForm()
    return form_page(
        form,
        lambda: submit_accreditation(
            expert,
            level=form.level.data,
            reference=form.reference.data,
            issuing_body=form.issuing_body.data,
            issued_on=form.issued_on.data,
            document=form.document.data.stream,
            filename=form.document.data.filename,
            actor=current_user,
        ),
        _("The evidence was sent to the directorate."),
        _record_url(expert),
        "experts/accreditation.html",
        expert=expert,
    )


def _upload(data):
    """An optional file field's upload as the service's document and filename."""
    if not data or not getattr(data, "filename", None):
        return {}
    return {"document": data.stream, "filename": data.filename}


REQUEST_KINDS = {"cpd": CpdRecord, "name-change": NameChangeRequest}


@bp.get("/requests/<kind>/<int:request_id>/document")
@login_required
def request_document(kind, request_id):
    """A CPD or name-correction request's supporting document: the expert and the
    directorate; 404 for anyone else."""
    model = REQUEST_KINDS.get(kind) or abort(404)
    request_ = db.session.get(model, request_id) or abort(404)
    if not can_view_request_document(current_user, request_) or not request_.document_path:
        abort(404)
    return _document_response(request_.document_path, request_.document_name)


def _document_response(relative, name):
    try:
        path = evidence_path(relative)
    except UploadRefused:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(
        io.BytesIO(path.read_bytes()),  # small (size-limited) and never left open
        mimetype=MIMETYPES.get(path.suffix.lstrip("."), "application/octet-stream"),
        as_attachment=True,
        download_name=name or path.name,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/accreditation/<int:request_id>/document")
@login_required
def accreditation_document(request_id):
    accreditation_request = db.session.get(AccreditationRequest, request_id) or abort(404)
    if not can_view_accreditation_document(current_user, accreditation_request):
        abort(404 if not can_view_expert(current_user, accreditation_request.expert) else 403)
    if not accreditation_request.document_path:
        abort(404)
    return _document_response(
        accreditation_request.document_path, accreditation_request.document_name
    )
