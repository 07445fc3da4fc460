"""Training centre pages, scoped so that centre staff see only their own centre."""

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from registry.centres.models import Course, Enrolment, TrainingCentre
from registry.enums import Role
from registry.extensions import db
from registry.permissions import can_view_centre, require_role

bp = Blueprint("centres", __name__, url_prefix="/centres")


@bp.get("/mine")
@require_role(Role.CENTRE_STAFF)
def my_centre():
    return redirect(url_for(".overview", code=current_user.centre.code))


@bp.get("/<code>")
@login_required
def overview(code):
    centre = db.session.scalar(sa.select(TrainingCentre).where(TrainingCentre.code == code.upper()))
    if centre is None:
        abort(404)
    if not can_view_centre(current_user, centre):
        abort(403)
    courses = db.session.execute(
        sa.select(Course, sa.func.count(Enrolment.id))
        .outerjoin(Enrolment, Enrolment.course_id == Course.id)
        .where(Course.centre_id == centre.id)
        .group_by(Course.id)
        .order_by(Course.starts_on.desc())
    ).all()
    return render_template("centres/overview.html", centre=centre, courses=courses)
