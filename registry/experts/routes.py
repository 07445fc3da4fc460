"""Expert lists for the directorate, an expert's record, and an expert's own page."""

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from registry.enums import ExpertStatus, Role
from registry.experts.models import Expert
from registry.extensions import db
from registry.permissions import can_view_expert, require_role
from registry.text import search_key

bp = Blueprint("experts", __name__)

PAGE_SIZE = 50


@bp.get("/experts")
@require_role(Role.OFFICER, Role.AUDITOR)
def index():
    status = request.args.get("status") or None
    query_text = (request.args.get("q") or "").strip()
    page = request.args.get("page", 1, type=int)
    query = sa.select(Expert).order_by(Expert.name_key, Expert.id)
    if status in {s.value for s in ExpertStatus}:
        query = query.where(Expert.status == status)
    if query_text:
        key = search_key(query_text)
        query = query.where(
            sa.or_(
                Expert.name_key.contains(key, autoescape=True),
                Expert.email.contains(query_text.lower(), autoescape=True),
            )
        )
    pagination = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    return render_template(
        "experts/index.html",
        pagination=pagination,
        statuses=list(ExpertStatus),
        status=status,
        q=query_text,
    )


@bp.get("/experts/<int:expert_id>")
@login_required
def detail(expert_id):
    expert = db.session.get(Expert, expert_id) or abort(404)
    if not can_view_expert(current_user, expert):
        abort(403)
    return render_template("experts/detail.html", expert=expert)


@bp.get("/me")
@require_role(Role.EXPERT)
def me():
    expert = db.session.scalar(sa.select(Expert).where(Expert.user_id == current_user.id))
    return render_template("experts/me.html", expert=expert)
