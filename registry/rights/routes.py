"""The expert's own data: read it all (HTML, JSON) and correct what is theirs, from /me."""

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from registry.cases.service import CaseError
from registry.experts.models import Expert
from registry.experts.routes import refused
from registry.extensions import db
from registry.permissions import has_expert_account, permission_required
from registry.rights import erasure
from registry.rights.data import correct_contact, personal_data

bp = Blueprint("rights", __name__)

SECTIONS = {
    "account": _l("Account"),
    "profile": _l("Profile"),
    "history": _l("History"),
    "certificates": _l("Certificates"),
    "requests": _l("Requests"),
    "cases": _l("Appeals and requests"),
}


class ContactForm(FlaskForm):
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=30)])
    organisation = StringField(_l("Organisation"), validators=[DataRequired(), Length(max=200)])
    consent_public_listing = BooleanField(
        _l("List me in the public register of experts once I am certified (optional).")
    )


@bp.app_context_processor
def erasure_terms():
    """What erasure removes and keeps, for the data page and an erasure case's page."""
    return {"erasure_erased": erasure.ERASED, "erasure_kept": erasure.KEPT}


class ErasureForm(FlaskForm):
    grounds = TextAreaField(
        _l("Anything you want the officer to know (optional)"),
        validators=[Optional(), Length(max=erasure.MAX_GROUNDS)],
    )
    accept_withdrawal = BooleanField(_l("I understand that my certificate is withdrawn first."))


@bp.route("/me/data", methods=["GET", "POST"])
@permission_required(has_expert_account)
def my_data():
    expert = Expert.of_user(current_user) or abort(404)
    form = ContactForm(obj=expert)
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
    return _data_page(expert, form, ErasureForm(), 422 if form.is_submitted() else 200)


def _data_page(expert, form, erasure_form, status):
    sections = [
        (SECTIONS[name], json.dumps(value, ensure_ascii=False, indent=2))
        for name, value in personal_data(expert).items()
    ]
    return render_template(
        "rights/data.html",
        expert=expert,
        form=form,
        erasure_form=erasure_form,
        erasure_case=erasure.open_request(expert),
        holds_certificate=erasure.holds_certificate(expert),
        withdrawal_notice=erasure.WITHDRAWAL_NOTICE,
        sections=sections,
    ), status


@bp.post("/me/data/erasure")
@permission_required(has_expert_account)
def request_erasure():
    """The person asks for erasure of their data: a case an officer decides."""
    expert = Expert.of_user(current_user) or abort(404)
    form = ErasureForm()
    if form.validate_on_submit():
        try:
            case = erasure.request_erasure(
                expert,
                actor=current_user,
                grounds=form.grounds.data,
                accept_withdrawal=form.accept_withdrawal.data,
            )
        except CaseError as exc:
            status = refused(exc)  # rolled back first, as the page then reads the person
            return _data_page(expert, ContactForm(obj=expert), form, status)
        db.session.commit()
        flash(
            _("Your request for erasure is received. You will be told when it is acknowledged."),
            "success",
        )
        return redirect(url_for("cases.detail", case_id=case.id))
    return _data_page(expert, ContactForm(obj=expert), form, 422)


@bp.get("/me/data.json")
@permission_required(has_expert_account)
def my_data_json():
    expert = Expert.of_user(current_user) or abort(404)
    body = json.dumps(personal_data(expert), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=du-lieu-cua-toi.json"},
    )
