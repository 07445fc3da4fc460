"""The outbox for the administrator (sent, pending, failed, retry) and each person's choice
of reminders."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import BooleanField

from registry.audit.service import record_event
from registry.enums import MessageStatus
from registry.extensions import db
from registry.forms import RegistryForm
from registry.mail.models import OutboxMessage
from registry.mail.outbox import retry
from registry.permissions import can_administer, permission_required

bp = Blueprint("mail", __name__)
PAGE_SIZE = 100


class RemindersForm(RegistryForm):
    reminders = BooleanField(_l("Send me reminders (certificate expiry, reviews due)"))


@bp.get("/admin/outbox")
@permission_required(can_administer)
def outbox():
    status = request.args.get("status")
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(PAGE_SIZE)
    if status in {s.value for s in MessageStatus}:
        query = query.where(OutboxMessage.status == status)
    counts = dict(
        db.session.execute(
            sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    return render_template(
        "admin/outbox.html",
        messages=db.session.scalars(query).all(),
        counts={s: counts.get(s, 0) for s in MessageStatus},
        status=status,
    )


@bp.post("/admin/outbox/<int:message_id>/retry")
@permission_required(can_administer)
def retry_message(message_id):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    if message.status == MessageStatus.SENT:
        flash(_("This message was sent already."), "error")
    else:
        retry(message, actor=current_user)
        db.session.commit()
        flash(_("The message will be sent again within a minute."), "success")
    return redirect(url_for(".outbox", status=request.args.get("status")))


@bp.route("/account/mail", methods=["GET", "POST"])
@login_required
def reminders():
    form = RemindersForm(data={"reminders": not current_user.reminders_off})
    if form.validate_on_submit():
        current_user.reminders_off = not form.reminders.data
        record_event(
            "account.reminders_changed",
            actor=current_user,
            object_type="user",
            object_id=current_user.id,
            details={"reminders_off": current_user.reminders_off},
        )
        db.session.commit()
        flash(_("Your choice was saved."), "success")
        return redirect(url_for(".reminders"))
    return render_template("auth/reminders.html", form=form)
