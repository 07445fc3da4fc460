"""Administrator pages: accounts and training centres."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from registry.admin.catalogue import add_topic, rename_topic, set_topic_retired
from registry.admin.forms import (
    ROLE_LABELS,
    CentreForm,
    EditUserForm,
    TopicForm,
    TopicNamesForm,
    UserForm,
)
from registry.admin.service import (
    AdminError,
    create_user,
    save_centre,
    send_password_reset,
    update_user,
)
from registry.auth.models import User
from registry.centres.models import Topic, TrainingCentre
from registry.extensions import db
from registry.permissions import can_administer, permission_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _centre_choices():
    centres = db.session.scalars(sa.select(TrainingCentre).order_by(TrainingCentre.code))
    return [SelectChoice(0, "—")] + [SelectChoice(c.id, f"{c.code} · {c.name}") for c in centres]


PAGE_SIZE = 50


def _searched(query, columns):
    """`query` narrowed to rows where any of `columns` contains ?q=, and paged by ?page=."""
    q = (request.args.get("q") or "").strip()
    if q:
        query = query.where(
            sa.or_(*(sa.func.lower(c).contains(q.lower(), autoescape=True) for c in columns))
        )
    page = request.args.get("page", 1, type=int)
    return q, db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)


def saved(change, success):
    """Run `change`; commit and flash `success(result)`, or roll back and flash the refusal.
    Whether it was saved."""
    try:
        result = change()
    except AdminError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return False
    db.session.commit()
    flash(success(result), "success")
    return True


def _chosen_centre(form):
    return db.session.get(TrainingCentre, form.centre_id.data) if form.centre_id.data else None


@bp.route("/users", methods=["GET", "POST"])
@permission_required(can_administer)
def users():
    form = UserForm()
    form.centre_id.choices = _centre_choices()
    if form.validate_on_submit() and saved(
        lambda: create_user(
            email=form.email.data,
            full_name=form.full_name.data,
            role=form.role.data,
            password=form.password.data,
            centre=_chosen_centre(form),
            actor=current_user,
        ),
        lambda user: _("Account %(email)s created.", email=user.email),
    ):
        return redirect(url_for(".users"))
    q, pagination = _searched(
        sa.select(User).order_by(User.role, User.email), (User.email, User.full_name)
    )
    return render_template(
        "admin/users.html",
        form=form,
        users=pagination.items,
        pagination=pagination,
        q=q,
        role_labels=ROLE_LABELS,
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@permission_required(can_administer)
def edit_user(user_id):
    user = db.session.get(User, user_id) or abort(404)
    form = EditUserForm(obj=user)
    form.centre_id.choices = _centre_choices()
    if not form.is_submitted():
        form.role.data = user.role.value
        form.centre_id.data = user.centre_id or 0
    if form.validate_on_submit() and saved(
        lambda: update_user(
            user,
            full_name=form.full_name.data,
            role=form.role.data,
            centre=_chosen_centre(form),
            active=form.active.data,
            actor=current_user,
        ),
        lambda _result: _("Account %(email)s saved.", email=user.email),
    ):
        return redirect(url_for(".users"))
    return render_template("admin/edit_user.html", form=form, user=user)


@bp.post("/users/<int:user_id>/reset")
@permission_required(can_administer)
def reset_user_password(user_id):
    user = db.session.get(User, user_id) or abort(404)
    saved(
        lambda: send_password_reset(user, actor=current_user),
        lambda _result: _("A password reset link was sent to %(email)s.", email=user.email),
    )
    return redirect(url_for(".edit_user", user_id=user.id))


@bp.route("/centres", methods=["GET", "POST"])
@permission_required(can_administer)
def centres():
    form = CentreForm()
    if form.validate_on_submit() and saved(
        lambda: save_centre(None, **_centre_fields(form), actor=current_user),
        lambda centre: _("Training centre %(code)s created.", code=centre.code),
    ):
        return redirect(url_for(".centres"))
    q, pagination = _searched(
        sa.select(TrainingCentre).order_by(TrainingCentre.code),
        (TrainingCentre.code, TrainingCentre.name, TrainingCentre.province),
    )
    return render_template(
        "admin/centres.html", form=form, centres=pagination.items, pagination=pagination, q=q
    )


@bp.route("/centres/<int:centre_id>", methods=["GET", "POST"])
@permission_required(can_administer)
def edit_centre(centre_id):
    centre = db.session.get(TrainingCentre, centre_id) or abort(404)
    form = CentreForm(obj=centre)
    if form.validate_on_submit() and saved(
        lambda: save_centre(centre, **_centre_fields(form), actor=current_user),
        lambda _result: _("Training centre %(code)s saved.", code=centre.code),
    ):
        return redirect(url_for(".centres"))
    return render_template("admin/edit_centre.html", form=form, centre=centre)


def _centre_fields(form):
    return {
        name: form[name].data for name in ("code", "name", "province", "approved_until", "active")
    }


@bp.route("/topics", methods=["GET", "POST"])
@permission_required(can_administer)
def topics():
    form = TopicForm()
    if form.validate_on_submit() and saved(
        lambda: add_topic(
            code=form.code.data,
            name_vi=form.name_vi.data,
            name_en=form.name_en.data,
            leads_to_trained=form.leads_to_trained.data,
            actor=current_user,
        ),
        lambda topic: _("Topic %(code)s added.", code=topic.code),
    ):
        return redirect(url_for(".topics"))
    rows = db.session.scalars(sa.select(Topic).order_by(Topic.sort_order, Topic.id)).all()
    return render_template("admin/topics.html", form=form, topics=rows)


@bp.route("/topics/<int:topic_id>", methods=["GET", "POST"])
@permission_required(can_administer)
def edit_topic(topic_id):
    topic = db.session.get(Topic, topic_id) or abort(404)
    form = TopicNamesForm(obj=topic)
    if form.validate_on_submit():
        rename_topic(
            topic, name_vi=form.name_vi.data, name_en=form.name_en.data, actor=current_user
        )
        db.session.commit()
        flash(_("Topic %(code)s renamed.", code=topic.code), "success")
        return redirect(url_for(".topics"))
    return render_template("admin/edit_topic.html", form=form, topic=topic)


@bp.post("/topics/<int:topic_id>/retire")
@permission_required(can_administer)
def retire_topic(topic_id):
    topic = db.session.get(Topic, topic_id) or abort(404)
    set_topic_retired(topic, not topic.retired, actor=current_user)
    db.session.commit()
    if topic.retired:
        flash(_("Topic %(code)s retired.", code=topic.code), "success")
    else:
        flash(_("Topic %(code)s offered again.", code=topic.code), "success")
    return redirect(url_for(".topics"))


from registry.admin import sector_routes  # noqa: E402,F401  (sectors, values to fix)
