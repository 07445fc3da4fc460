"""The expert's own data: read it all (HTML, JSON) and correct what is theirs, from /me."""

import json

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional

from registry.experts.models import Expert
from registry.extensions import db
from registry.permissions import has_expert_account, permission_required
from registry.rights.data import correct_contact, personal_data

bp = Blueprint("rights", __name__)

SECTIONS = {
    "account": _l("Account"),
    "profile": _l("Profile"),
    "history": _l("History"),
    "certificates": _l("Certificates"),
    "requests": _l("Requests"),
    "cases": _l("Appeals"),
}


class ContactForm(FlaskForm):
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=30)])
    organisation = StringField(_l("Organisation"), validators=[DataRequired(), Length(max=200)])
    consent_public_listing = BooleanField(
        _l("List me in the public register of experts once I am certified (optional).")
    )


def _own_expert():
    return db.session.scalar(sa.select(Expert).where(Expert.user_id == current_user.id)) or abort(
        404
    )


@bp.route("/me/data", methods=["GET", "POST"])
@permission_required(has_expert_account)
def my_data():
    expert = _own_expert()
    form = ContactForm(obj=expert)
    status = 200
    if form.validate_on_submit():
        changed = correct_contact(
            expert,
            actor=current_user,
            phone=form.phone.data,
            organisation=form.organisation.data,
            consent_public_listing=form.consent_public_listing.data,
        )
        db.session.commit()
        flash(_("Saved.") if changed else _("Nothing changed."), "success")
        return redirect(url_for("rights.my_data"))
    if form.is_submitted():
        status = 422
    sections = [
        (SECTIONS[name], json.dumps(value, ensure_ascii=False, indent=2))
        for name, value in personal_data(expert).items()
    ]
    return render_template("rights/data.html", expert=expert, form=form, sections=sections), status


@bp.get("/me/data.json")
@permission_required(has_expert_account)
def my_data_json():
    expert = _own_expert()
    body = json.dumps(personal_data(expert), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=du-lieu-cua-toi.json"},
    )
