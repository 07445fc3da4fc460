"""Training centre pages, scoped so that centre staff see only their own centre.

The course and roster pages (course_routes.py) and the imports (import_routes.py) are
views of the same blueprint, under /centres/<code>/...
"""

from contextlib import contextmanager

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from registry.centres.models import TrainingCentre
from registry.centres.queries import centre_figures
from registry.clock import today
from registry.extensions import db
from registry.permissions import (
    can_manage_centre_records,
    can_view_centre,
    has_own_centre,
    permission_required,
)

bp = Blueprint("centres", __name__, url_prefix="/centres")


def load_centre(code):
    """The centre with this code, or 404 (also when the caller may not see its records)."""
    centre = db.session.scalar(sa.select(TrainingCentre).where(TrainingCentre.code == code.upper()))
    if centre is None or not can_view_centre(current_user, centre):
        abort(404)
    return centre


@contextmanager
def refusals_shown(refusal, field=None):
    """Run the block, which makes a change and commits it. When the registry refuses the
    change (an exception of class `refusal`), roll it back and show why instead: as an error
    of the form's `field`, or flashed; the request carries on after the block."""
    try:
        yield
    except refusal as exc:
        db.session.rollback()
        if field is None:
            flash(str(exc), "error")
        else:
            field.errors.append(str(exc))


@bp.get("/mine")
@permission_required(has_own_centre)
def my_centre():
    return redirect(url_for(".overview", code=current_user.centre.code))


@bp.get("/mine/courses")
@permission_required(has_own_centre)
def my_courses():
    return redirect(url_for(".courses", code=current_user.centre.code))


@bp.get("/mine/imports")
@permission_required(has_own_centre)
def my_imports():
    return redirect(url_for(".imports", code=current_user.centre.code))


@bp.get("/<code>")
@login_required
def overview(code):
    centre = load_centre(code)
    return render_template(
        "centres/overview.html",
        centre=centre,
        figures=centre_figures(centre, today()),
        can_manage=can_manage_centre_records(current_user, centre.id),
        year=today().year,
    )


from registry.centres import course_routes, import_routes  # noqa: E402, F401  (views on bp)
