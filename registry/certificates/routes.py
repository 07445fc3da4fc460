"""Certificate pages: public verification, downloads, and batch issuance for the directorate."""

from functools import partial

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from registry.certificates import wording
from registry.certificates.archive import ArchiveError
from registry.certificates.downloads import (
    download_certificate,
    downloadable_certificate,
    pdf_response,
)
from registry.certificates.forms import BatchJobForm, VerifyForm
from registry.certificates.jobs import BatchJobError, active_job, create_job
from registry.certificates.models import BatchJob, Certificate
from registry.certificates.verification import check_certificate
from registry.extensions import db, limiter
from registry.permissions import (
    can_download_certificate,
    can_run_certificate_batch,
    can_view_batch_jobs,
    permission_required,
)
from registry.tasks.jobs import run_batch_job

bp = Blueprint("certificates", __name__)

# The language pair printed on the certificate; its verification page speaks it too.
CERTIFICATE_LOCALE = "vi"


@bp.app_context_processor
def _helpers():
    return {"can_download_certificate": partial(can_download_certificate, current_user)}


@bp.app_errorhandler(429)
def too_many_requests(_exc):
    title, message = (
        _l("Too many requests"),
        _l("Too many checks from your address in a short time. Wait a minute and try again."),
    )
    if request.endpoint == "auth.login":  # the sign-in limits (registry/auth/routes.py)
        message = _l("Too many sign-in attempts in a short time. Wait a minute and try again.")
    if request.endpoint in ("cases.complain", "cases.confirm_complaint"):
        message = _l("Too many complaints from your address in a short time. Try again later.")
    return render_template("error.html", status=429, title=title, message=message), 429


@bp.get("/verify")
def verify_by_hand():
    """Type a certificate's number and code (printed under the QR code) instead of scanning."""
    form = VerifyForm(request.args)
    if request.args and form.validate():
        return redirect(url_for(".verify", number=form.number.data, code=form.code.data))
    return render_template("certificates/verify_form.html", form=form)


@bp.get("/verify/<number>")
@limiter.limit(lambda: current_app.config["REGISTRY_VERIFY_RATE_LIMIT"])
def verify(number):
    actor = current_user if current_user.is_authenticated else None
    result = check_certificate(
        number, request.args.get("code"), client=request.remote_addr, actor=actor
    )
    with force_locale(CERTIFICATE_LOCALE):
        if result is None:
            return render_template("certificates/verify_not_found.html", w=wording), 404
        return render_template("certificates/verify.html", result=result, w=wording)


@bp.get("/certificates/<number>.pdf")
@login_required
def download(number):
    certificate = downloadable_certificate(number, current_user)
    if certificate is None or certificate.archive_path is None:
        abort(404)  # unknown, not the caller's, or decided but not issued yet (no PDF)
    try:
        data = download_certificate(certificate, actor=current_user)
    except ArchiveError:
        db.session.commit()  # keep the audit record of the failed check
        title = _("Certificate unavailable")
        message = _(
            "The archived file of this certificate failed its integrity check. The directorate "
            "has been alerted; the certificate will not be produced again silently."
        )
        return render_template("error.html", status=500, title=title, message=message), 500
    db.session.commit()
    response = pdf_response(certificate, data)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/directorate/certificates", methods=["GET", "POST"])
@permission_required(can_view_batch_jobs)
def batch_jobs():
    form = BatchJobForm()
    if request.method == "POST":
        if not can_run_certificate_batch(current_user):
            abort(403)
        if form.validate_on_submit():
            try:
                job = create_job(
                    actor=current_user,
                    course_code=form.course.data or None,
                    expert_ids=form.parsed_expert_ids(),
                )
            except BatchJobError as exc:
                db.session.rollback()
                flash(str(exc), "error")
            else:
                job_id = job.id
                db.session.commit()
                # The worker runs it; the page follows its progress from the job's row.
                run_batch_job(job_id)
                flash(_("Batch job %(id)s started.", id=job_id), "success")
                return redirect(url_for(".batch_job", job_id=job_id))
    pending = db.session.scalar(
        sa.select(sa.func.count(Certificate.id)).where(Certificate.sha256.is_(None))
    )
    jobs = db.session.scalars(sa.select(BatchJob).order_by(BatchJob.id.desc()).limit(20)).all()
    return render_template(
        "certificates/batch_jobs.html",
        form=form,
        pending=pending,
        jobs=jobs,
        active=active_job(),
        can_start=can_run_certificate_batch(current_user),
    )


@bp.get("/directorate/certificates/jobs/<int:job_id>")
@login_required
def batch_job(job_id):
    job = db.session.get(BatchJob, job_id) or abort(404)
    if not can_view_batch_jobs(current_user):
        abort(403)
    return render_template("certificates/batch_job.html", job=job)
