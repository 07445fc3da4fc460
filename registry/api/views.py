"""The endpoints of SPEC §8 about the registry itself: health, me, experts, targets, and the
OpenAPI document.

Each view: read the input (its schema), load the objects, check access with
registry/permissions.py, answer (its schema).
"""

import sqlalchemy as sa
from flask import current_app, jsonify
from flask_smorest import current_api
from sqlalchemy.exc import SQLAlchemyError

from registry.api import bp
from registry.api.auth import allowed, api_user, documents, loads
from registry.api.errors import ApiError
from registry.api.input import MAX_ID, Choice, Date, QueryInteger, Schema, Text
from registry.api.output import (
    ExpertPageSchema,
    ExpertSchema,
    HealthSchema,
    MeSchema,
    TargetSchema,
)
from registry.clock import today
from registry.enums import ExpertStatus
from registry.experts.models import Expert
from registry.extensions import db, limiter
from registry.permissions import can_list_experts, can_view_expert, experts_visible_to
from registry.provinces import canonical_province
from registry.targets.counting import progress

PAGE_SIZE = 50


class ExpertsQuery(Schema):
    status = Choice(ExpertStatus, metadata={"description": "Only experts in this state."})
    province = Text(
        max_length=100,
        min_length=0,
        metadata={"description": "A province in force, or an earlier name of one it absorbed."},
    )
    q = Text(
        max_length=100,
        min_length=0,
        metadata={"description": "Part of the name (accents and case ignored) or of the email."},
    )
    page = QueryInteger(minimum=1, maximum=100_000, metadata={"description": "From 1."})


class TargetsQuery(Schema):
    as_of = Date(
        metadata={
            "description": "Count as of this day (default today); a later day counts as of today."
        }
    )


def visible_or_404(model, object_id, may_see):
    """The object with this id, if `may_see(caller, obj)`; else a 404 that names nobody."""
    obj = db.session.get(model, object_id) if object_id <= MAX_ID else None
    if obj is None or not may_see(api_user(), obj):
        raise ApiError(404)
    return obj


def visible_expert_or_404(expert_id):
    """The expert, if the caller may see them; else a 404 that names nobody."""
    return visible_or_404(Expert, expert_id, can_view_expert)


@bp.get("/health")
@limiter.exempt
@bp.response(200, HealthSchema)
@bp.alt_response(503, schema=HealthSchema, description="The database does not answer.")
def health():
    """Is the registry up?

    Checks the database with SELECT 1."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("Health check: the database does not answer.")
        return {"status": "error", "database": "error"}, 503
    return {"status": "ok", "database": "ok"}


@bp.get("/openapi.json")
@limiter.exempt
def openapi():
    """This document."""
    return jsonify(current_api.spec.to_dict())


@bp.get("/me")
@bp.response(200, MeSchema)
@allowed()
def me():
    """The token's user."""
    return api_user()


@bp.get("/experts")
@bp.response(200, ExpertPageSchema)
@allowed(can_list_experts)
@bp.arguments(ExpertsQuery, location="query", error_status_code=400)
def experts(args):
    """List experts.

    Officers and auditors see every expert, an expert their own record; centre staff
    none (their rosters are under the courses)."""
    query = sa.select(Expert).where(experts_visible_to(api_user()))
    query = query.order_by(Expert.name_key, Expert.id)
    if "status" in args:
        query = query.where(Expert.status == args["status"])
    if args.get("province"):
        province = canonical_province(args["province"]) or args["province"]
        query = query.where(Expert.province == province)
    if args.get("q"):
        query = query.where(Expert.matching(args["q"]))
    return db.paginate(query, page=args.get("page", 1), per_page=PAGE_SIZE, error_out=False)


@bp.get("/experts/<int:expert_id>")
@bp.response(200, ExpertSchema)
@allowed()
@documents(404)
@loads("expert", visible_expert_or_404)
def expert(expert):
    """One expert: profile, status and history.

    For the expert themself, officers and auditors; 404 for anyone else."""
    return expert


@bp.get("/targets")
@bp.response(200, TargetSchema(many=True))
@bp.arguments(TargetsQuery, location="query", error_status_code=400)
def targets(args):
    """Programme targets and progress."""
    as_of = min(args.get("as_of") or today(), today())  # nothing is known about later days
    return progress(as_of)
