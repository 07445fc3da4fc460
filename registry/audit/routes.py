"""The directorate's view of the audit log."""

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from registry.audit.models import AuditEvent
from registry.enums import Role
from registry.extensions import db
from registry.permissions import require_role

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("/")
@require_role(Role.AUDITOR, Role.OFFICER)
def log():
    action = (request.args.get("action") or "").strip()
    actor = (request.args.get("actor") or "").strip().lower()
    page = request.args.get("page", 1, type=int)
    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    if actor:
        query = query.where(AuditEvent.actor_label.contains(actor, autoescape=True))
    pagination = db.paginate(query, page=page, per_page=100, error_out=False)
    return render_template("audit/log.html", pagination=pagination, action=action, actor=actor)
