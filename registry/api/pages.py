"""/account/tokens: any signed-in user creates (shown once) and revokes their own API tokens."""

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp

from registry.api.tokens import NAME_MAX_LENGTH, TokenError, create_token, revoke_token, tokens_of
from registry.auth.models import ApiToken
from registry.extensions import db
from registry.permissions import can_manage_token

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(),
            Length(max=NAME_MAX_LENGTH),
            Regexp("^[^<>]*$", message=_l("Text only, please: no < or > characters.")),
        ],
    )


class RevokeForm(FlaskForm):
    """Only the CSRF token: revoking is a POST from this site."""


def _page(form, new_token=None, status=200):
    response = make_response(
        render_template(
            "api/tokens.html",
            form=form,
            revoke_form=RevokeForm(),
            tokens=tokens_of(current_user),
            new_token=new_token,
        ),
        status,
    )
    # The page may show a token in clear: keep it out of every cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("")
@login_required
def index():
    return _page(TokenForm())


@bp.post("")
@login_required
def create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        _token, plaintext = create_token(current_user, form.name.data, actor=current_user)
    except TokenError as exc:
        db.session.rollback()
        form.name.errors.append(str(exc))
        return _page(form, status=400)
    db.session.commit()
    # Shown in this response only, never through the session (a cookie is not a safe).
    return _page(TokenForm(formdata=None), new_token=plaintext)


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id):
    token = db.session.get(ApiToken, token_id) or abort(404)
    if not can_manage_token(current_user, token):
        abort(403)
    if not RevokeForm().validate_on_submit():
        abort(400)
    revoke_token(token, actor=current_user)
    db.session.commit()
    flash(_("The token “%(name)s” was revoked.", name=token.name), "success")
    return redirect(url_for(".index"))
