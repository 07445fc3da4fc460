"""The published audit checkpoints: anyone may fetch them and keep a copy."""

from flask import Blueprint, abort, current_app, request

from registry.audit.checkpoint import latest_checkpoint
from registry.audit.models import AuditCheckpoint
from registry.extensions import db

bp = Blueprint("audit_checkpoints", __name__)


def _serve(row):
    if row is None:
        abort(404)
    response = current_app.response_class(row.document, mimetype="application/json")
    response.set_etag(f"checkpoint-{row.id}")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response.make_conditional(request)


@bp.get("/audit/checkpoints/latest.json")
def latest():
    """The newest checkpoint, for anyone to fetch and keep."""
    return _serve(latest_checkpoint())


@bp.get("/audit/checkpoints/<int:checkpoint_id>.json")
def checkpoint(checkpoint_id):
    """One checkpoint by its id."""
    return _serve(db.session.get(AuditCheckpoint, checkpoint_id))
