"""Administrator pages: accounts and training centres."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from registry.admin.forms import ROLE_LABELS, CentreForm, EditUserForm, UserForm
from registry.admin.service import AdminError, create_user, save_centre, update_user
from registry.auth.models import User
from registry.centres.models import TrainingCentre
from registry.extensions import db
from registry.permissions import can_administer, permission_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _centre_choices():
    centres = db.session.scalars(sa.select(TrainingCentre).order_by(TrainingCentre.code))
    return [SelectChoice(0, "—")] + [SelectChoice(c.id, f"{c.code} · {c.name}") for c in centres]


def _chosen_centre(form):
    return db.session.get(TrainingCentre, form.centre_id.data) if form.centre_id.data else None


@bp.route("/users", methods=["GET", "POST"])
@permission_required(can_administer)
def users():
    form = UserForm()
    form.centre_id.choices = _centre_choices()
    if form.validate_on_submit():
        try:
            user = create_user(
                email=form.email.data,
                full_name=form.full_name.data,
                role=form.role.data,
                password=form.password.data,
                centre=_chosen_centre(form),
                actor=current_user,
            )
        except AdminError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Account %(email)s created.", email=user.email), "success")
            return redirect(url_for(".users"))
    accounts = db.session.scalars(sa.select(User).order_by(User.role, User.email)).all()
    return render_template("admin/users.html", form=form, users=accounts, role_labels=ROLE_LABELS)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@permission_required(can_administer)
def edit_user(user_id):
    user = db.session.get(User, user_id) or abort(404)
    form = EditUserForm(obj=user)
    form.centre_id.choices = _centre_choices()
    if not form.is_submitted():
        form.role.data = user.role.value
        form.centre_id.data = user.centre_id or 0
    if form.validate_on_submit():
        try:
            update_user(
                user,
                full_name=form.full_name.data,
                role=form.role.data,
                centre=_chosen_centre(form),
                active=form.active.data,
                unlock=form.unlock.data,
                actor=current_user,
            )
        except AdminError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Account %(email)s saved.", email=user.email), "success")
            return redirect(url_for(".users"))
    return render_template("admin/edit_user.html", form=form, user=user)


@bp.route("/centres", methods=["GET", "POST"])
@permission_required(can_administer)
def centres():
    form = CentreForm()
    if form.validate_on_submit():
        try:
            centre = save_centre(None, **_centre_fields(form), actor=current_user)
        except AdminError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Training centre %(code)s created.", code=centre.code), "success")
            return redirect(url_for(".centres"))
    rows = db.session.scalars(sa.select(TrainingCentre).order_by(TrainingCentre.code)).all()
    return render_template("admin/centres.html", form=form, centres=rows)


@bp.route("/centres/<int:centre_id>", methods=["GET", "POST"])
@permission_required(can_administer)
def edit_centre(centre_id):
    centre = db.session.get(TrainingCentre, centre_id) or abort(404)
    form = CentreForm(obj=centre)
    if form.validate_on_submit():
        try:
            save_centre(centre, **_centre_fields(form), actor=current_user)
        except AdminError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Training centre %(code)s saved.", code=centre.code), "success")
            return redirect(url_for(".centres"))
    return render_template("admin/edit_centre.html", form=form, centre=centre)


def _centre_fields(form):
    return {
        "code": form.code.data,
        "name": form.name.data,
        "province": form.province.data,
        "approved_until": form.approved_until.data,
        "active": form.active.data,
    }
