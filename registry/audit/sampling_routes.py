"""The auditor's samples of certifications, findings and open corrective actions."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.audit.findings import AuditError, close_action, open_actions
from registry.audit.forms import RESULT_LABELS, CloseActionForm, FindingForm, SampleForm
from registry.audit.models import AuditFinding, AuditSample
from registry.audit.sampling import draw_sample, record_finding, sampled_certificates
from registry.certificates.models import Certificate
from registry.clock import today
from registry.extensions import db
from registry.permissions import can_review_certifications, permission_required

bp = Blueprint("sampling", __name__, url_prefix="/audit/samples")


@bp.route("/", methods=["GET", "POST"])
@permission_required(can_review_certifications)
def index():
    form = SampleForm()
    if form.validate_on_submit():
        try:
            sample, certificates = draw_sample(
                auditor=current_user,
                period_start=form.period_start.data,
                period_end=form.period_end.data,
                size=form.size.data,
                seed=form.seed.data,
            )
        except AuditError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(
                _(
                    "Sample drawn: %(count)s certifications (seed %(seed)s).",
                    count=len(certificates),
                    seed=sample.seed,
                ),
                "success",
            )
            return redirect(url_for(".detail", sample_id=sample.id))
    samples = db.session.execute(
        sa.select(AuditSample, sa.func.count(AuditFinding.id))
        .outerjoin(AuditFinding, AuditFinding.sample_id == AuditSample.id)
        .group_by(AuditSample.id)
        .order_by(AuditSample.id.desc())
    ).all()
    return render_template("audit/samples.html", form=form, samples=samples)


@bp.get("/<int:sample_id>")
@permission_required(can_review_certifications)
def detail(sample_id):
    sample = db.session.get(AuditSample, sample_id) or abort(404)
    findings = {f.certificate_id: f for f in sample.findings}
    return render_template(
        "audit/sample.html",
        sample=sample,
        certificates=sampled_certificates(sample),
        findings=findings,
        result_labels=RESULT_LABELS,
        today=today(),
    )


@bp.route("/<int:sample_id>/certificates/<int:certificate_id>", methods=["GET", "POST"])
@permission_required(can_review_certifications)
def finding(sample_id, certificate_id):
    sample = db.session.get(AuditSample, sample_id) or abort(404)
    certificate = db.session.get(Certificate, certificate_id) or abort(404)
    existing = db.session.scalar(
        sa.select(AuditFinding).where(
            AuditFinding.sample_id == sample.id, AuditFinding.certificate_id == certificate.id
        )
    )
    form = FindingForm()
    if existing is None and form.validate_on_submit():
        try:
            record_finding(
                sample,
                certificate,
                auditor=current_user,
                result=form.result.data,
                note=form.note.data,
                corrective_action=form.corrective_action.data,
                due_on=form.due_on.data,
            )
        except AuditError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Finding recorded for %(number)s.", number=certificate.number), "success")
            return redirect(url_for(".detail", sample_id=sample.id))
    return render_template(
        "audit/finding.html",
        sample=sample,
        certificate=certificate,
        existing=existing,
        form=form,
        close_form=CloseActionForm(),
        result_labels=RESULT_LABELS,
    )


@bp.get("/actions")
@permission_required(can_review_certifications)
def actions():
    """Every open corrective action, from samples and from complaints (these closed by the
    case's officers: a link to the case), overdue ones flagged."""
    return render_template(
        "audit/actions.html",
        findings=open_actions(),
        close_form=CloseActionForm(),
        today=today(),
    )


@bp.post("/findings/<int:finding_id>/close")
@permission_required(can_review_certifications)
def close(finding_id):
    finding_row = db.session.get(AuditFinding, finding_id) or abort(404)
    if finding_row.sample_id is None:
        abort(404)  # a complaint's finding is closed from its case
    form = CloseActionForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for(".actions"))
    try:
        close_action(
            finding_row, actor=current_user, closed_on=form.closed_on.data, note=form.note.data
        )
    except AuditError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Corrective action closed."), "success")
    return redirect(url_for(".actions"))
