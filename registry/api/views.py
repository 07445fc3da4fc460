"""The endpoints of SPEC §8 that stand on the foundation: health, me, experts, targets.

Each view: read the input, load the objects, check access with registry/permissions.py,
answer. The endpoints over the lifecycle, centres and certificates services join here as
equally thin views when those services are merged.
"""

import sqlalchemy as sa
from flask import current_app, jsonify
from flask_babel import get_locale
from sqlalchemy.exc import SQLAlchemyError

from registry.api import bp
from registry.api.auth import api_login_required, api_role_required, api_user
from registry.api.errors import ApiError
from registry.api.representations import (
    expert_json,
    expert_summary_json,
    page_json,
    target_json,
    user_json,
)
from registry.api.schema import Choice, Date, Integer, String, parse_query
from registry.enums import ExpertStatus, Role
from registry.experts.models import Expert
from registry.extensions import db
from registry.permissions import can_view_expert, experts_visible_to
from registry.targets.counting import progress, today
from registry.text import search_key

PAGE_SIZE = 50
MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database

EXPERTS_QUERY = {
    "status": Choice(ExpertStatus, required=False, description="Only experts in this state."),
    "province": String(
        max_length=100, min_length=0, required=False, description="Exact province name."
    ),
    "q": String(
        max_length=100,
        min_length=0,
        required=False,
        description="Part of the name (accents and case ignored) or of the email.",
    ),
    "page": Integer(minimum=1, maximum=100_000, required=False, description="From 1."),
}
TARGETS_QUERY = {
    "as_of": Date(
        required=False,
        description="Count as of this day (default today); a later day counts as of today.",
    ),
}


def get_or_404(model, object_id):
    obj = db.session.get(model, object_id) if object_id <= MAX_ID else None
    if obj is None:
        raise ApiError(404)
    return obj


@bp.get("/health")
def health():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("Health check: the database does not answer.")
        return jsonify(status="error", database="error"), 503
    return jsonify(status="ok", database="ok")


@bp.get("/me")
@api_login_required
def me():
    return jsonify(user_json(api_user()))


@bp.get("/experts")
@api_role_required(Role.OFFICER, Role.AUDITOR, Role.CENTRE_STAFF)
def experts():
    args = parse_query(EXPERTS_QUERY)
    query = (
        sa.select(Expert).where(experts_visible_to(api_user())).order_by(Expert.name_key, Expert.id)
    )
    if "status" in args:
        query = query.where(Expert.status == args["status"])
    if args.get("province"):
        query = query.where(Expert.province == args["province"])
    if args.get("q"):
        query = query.where(
            sa.or_(
                Expert.name_key.contains(search_key(args["q"]), autoescape=True),
                Expert.email.contains(args["q"].lower(), autoescape=True),
            )
        )
    pagination = db.paginate(query, page=args.get("page", 1), per_page=PAGE_SIZE, error_out=False)
    return jsonify(page_json(pagination, expert_summary_json))


@bp.get("/experts/<int:expert_id>")
@api_login_required
def expert(expert_id):
    found = get_or_404(Expert, expert_id)
    if not can_view_expert(api_user(), found):
        raise ApiError(403)
    return jsonify(expert_json(found))


@bp.get("/targets")
def targets():
    args = parse_query(TARGETS_QUERY)
    as_of = min(args.get("as_of") or today(), today())  # nothing is known about later days
    locale = str(get_locale())
    return jsonify([target_json(row, locale) for row in progress(as_of)])
