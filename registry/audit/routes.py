"""The directorate's view of the audit log, and the auditor's anomaly flags."""

import json
from datetime import date, timedelta

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user

from registry.audit import anomalies as flags
from registry.audit.models import AuditEvent
from registry.audit.service import record_event
from registry.certificates.models import Certificate
from registry.clock import local_day_start, today
from registry.experts.models import Expert
from registry.extensions import db
from registry.labels import action_label, object_type_label
from registry.permissions import can_review_certifications, can_view_audit_log, permission_required
from registry.reports.spreadsheets import CSV_MIMETYPE, XLSX_MIMETYPE, csv_chunks, xlsx_bytes
from registry.text import search_key

bp = Blueprint("audit", __name__, url_prefix="/audit")

FILTERS = (
    "number",
    "person",
    "actor",
    "action",
    "object_type",
    "object_id",
    "date_from",
    "date_to",
)


def _about_number(number):
    """Events about the certificates whose number contains `number`, or about their holders."""
    rows = db.session.execute(
        sa.select(Certificate.id, Certificate.expert_id).where(
            Certificate.number.contains(number, autoescape=True)
        )
    ).all()
    return _events_of({str(e) for _c, e in rows}, {str(c) for c, _e in rows})


def _events_of(expert_ids, certificate_ids):
    return sa.or_(
        sa.and_(AuditEvent.object_type == "expert", AuditEvent.object_id.in_(expert_ids)),
        sa.and_(AuditEvent.object_type == "certificate", AuditEvent.object_id.in_(certificate_ids)),
    )


def _about_person(text):
    """Events about experts whose name (accents ignored) or email contains `text`."""
    key = search_key(text)
    experts = sa.select(Expert.id).where(
        sa.or_(
            Expert.name_key.contains(key, autoescape=True),
            Expert.email.contains(text.lower(), autoescape=True),
        )
    )
    expert_ids = {str(i) for i in db.session.scalars(experts)}
    certificate_ids = {
        str(i)
        for i in db.session.scalars(
            sa.select(Certificate.id).where(Certificate.expert_id.in_(experts))
        )
    }
    return _events_of(expert_ids, certificate_ids)


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


def _filtered_events():
    """The page's filters (from the query string) and the SELECT of the events they keep."""
    filters = {name: (request.args.get(name) or "").strip() for name in FILTERS}
    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    if filters["number"]:
        query = query.where(_about_number(filters["number"].upper()))
    if filters["person"]:
        query = query.where(_about_person(filters["person"]))
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
    return filters, query


@bp.get("/")
@permission_required(can_view_audit_log)
def log():
    filters, query = _filtered_events()
    page = request.args.get("page", 1, type=int)
    pagination = db.paginate(query, page=page, per_page=100, error_out=False)
    object_types, actions = (
        db.session.scalars(sa.select(column).distinct().order_by(column)).all()
        for column in (AuditEvent.object_type, AuditEvent.action)
    )
    return render_template(
        "audit/log.html",
        pagination=pagination,
        filters=filters,
        object_types=object_types,
        actions=actions,
    )


EXPORT_HEADER = (
    "#",
    "Thời điểm (UTC)",
    "Người thực hiện",
    "Hành động",
    "Mã hành động",
    "Đối tượng",
    "Mã đối tượng",
    "Chi tiết",
)


@bp.get("/export.<kind>")
@permission_required(can_view_audit_log)
def export(kind):
    """The filtered log as CSV or XLSX, details as readable JSON (not \\u escapes)."""
    if kind not in ("csv", "xlsx"):
        abort(404)
    filters, query = _filtered_events()
    record_event(
        "report.exported",
        actor=current_user,
        object_type="report",
        object_id=f"audit.{kind}",
        details={name: value for name, value in filters.items() if value},
    )
    db.session.commit()
    columns = query.with_only_columns(
        AuditEvent.id,
        AuditEvent.occurred_at,
        AuditEvent.actor_label,
        AuditEvent.action,
        AuditEvent.object_type,
        AuditEvent.object_id,
        AuditEvent.details,
    )
    # Plain rows built now, not ORM objects nor a server-side cursor, labels translated now:
    # the CSV streams after the view has returned, when the request's session may be gone.
    rows = [
        (
            *row[:1],
            row[1].replace(tzinfo=None),
            row[2],
            action_label(row[3]),
            row[3],
            object_type_label(row[4]),
            row[5],
            json.dumps(row[6], ensure_ascii=False, default=str) if row[6] else "",
        )
        for row in db.session.execute(columns).all()
    ]
    name = f"nhat-ky-kiem-toan-{today()}.{kind}"
    if kind == "csv":
        body = stream_with_context(c.encode("utf-8") for c in csv_chunks(EXPORT_HEADER, rows))
        mimetype = CSV_MIMETYPE
    else:
        body, mimetype = xlsx_bytes([("Nhật ký kiểm toán", EXPORT_HEADER, rows)]), XLSX_MIMETYPE
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/anomalies")
@permission_required(can_review_certifications)
def anomalies():
    return render_template(
        "audit/anomalies.html",
        without_exam=flags.certificates_without_passing_exam(),
        conflicts=flags.conflicted_decisions(),
        centres=flags.centre_statistics(),
        late_results=flags.results_recorded_after_decision(),
        corrections=flags.result_corrections(),
        limit=flags.LIMIT,
        rule=flags,
    )
