"""The directorate's view of the audit log, and the auditor's anomaly flags."""

from datetime import date, timedelta

import sqlalchemy as sa
from flask import Blueprint, flash, render_template, request
from flask_babel import gettext as _

from registry.audit import anomalies as flags
from registry.audit.models import AuditEvent
from registry.clock import local_day_start
from registry.extensions import db
from registry.permissions import can_review_certifications, can_view_audit_log, permission_required

bp = Blueprint("audit", __name__, url_prefix="/audit")

FILTERS = ("actor", "action", "object_type", "object_id", "date_from", "date_to")


def _day(name):
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        flash(
            _("%(value)s is not a date (YYYY-MM-DD); that filter was ignored.", value=raw), "error"
        )
        return None


@bp.get("/")
@permission_required(can_view_audit_log)
def log():
    filters = {name: (request.args.get(name) or "").strip() for name in FILTERS}
    page = request.args.get("page", 1, type=int)
    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    if filters["action"]:
        query = query.where(AuditEvent.action.startswith(filters["action"], autoescape=True))
    if filters["actor"]:
        query = query.where(
            AuditEvent.actor_label.contains(filters["actor"].lower(), autoescape=True)
        )
    if filters["object_type"]:
        query = query.where(AuditEvent.object_type == filters["object_type"])
    if filters["object_id"]:
        query = query.where(AuditEvent.object_id == filters["object_id"])
    # Days are Viet Nam days, both ends included.
    if (start := _day("date_from")) is not None:
        query = query.where(AuditEvent.occurred_at >= local_day_start(start))
    if (end := _day("date_to")) is not None:
        query = query.where(AuditEvent.occurred_at < local_day_start(end + timedelta(days=1)))
    pagination = db.paginate(query, page=page, per_page=100, error_out=False)
    object_types = db.session.scalars(
        sa.select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)
    ).all()
    actions = db.session.scalars(
        sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    ).all()
    return render_template(
        "audit/log.html",
        pagination=pagination,
        filters=filters,
        object_types=object_types,
        actions=actions,
    )


@bp.get("/anomalies")
@permission_required(can_review_certifications)
def anomalies():
    return render_template(
        "audit/anomalies.html",
        without_exam=flags.certificates_without_passing_exam(),
        conflicts=flags.conflicted_decisions(),
        centres=flags.centre_statistics(),
        late_results=flags.results_recorded_after_decision(),
        limit=flags.LIMIT,
        rule=flags,
    )
