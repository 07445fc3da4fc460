"""Queueing messages in the outbox and sending them (SMTP, or .eml files without a host).

A message is rendered when it is queued, in the recipient's language, and written in the
caller's transaction: it exists if and only if the change that caused it was committed.
The worker sends what is due, one commit per message, so a sender killed midway resends
at most the message it was on. A failure is retried with exponential back-off and the
message is given up (failed, retry from the admin page) after MAX_ATTEMPTS.
"""

import contextlib
import smtplib
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from registry.audit.service import record_event
from registry.certificates.rendering import public_base_url
from registry.database import utcnow
from registry.enums import MessageStatus
from registry.extensions import db
from registry.mail.models import OutboxMessage

# Lines up to RFC 5322's limit: Python's folding of a long non-ASCII subject into several
# encoded words drops the space between two of them (a Vietnamese subject lost a space).
MAIL_POLICY = policy.SMTP.clone(max_line_length=998)
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LOCALES = ("vi", "en")


def recipient_locale(user):
    """The language a person reads their mail in: Vietnamese unless they chose English."""
    locale = getattr(user, "locale", None)
    return locale if locale in LOCALES else "vi"


def render(kind, locale, **context):
    """(subject, text, html) of templates/mail/<locale>/<kind>.txt.

    A message is written once per language, in full sentences (mail reads better so than
    assembled from catalogue fragments): its first line is the subject, then paragraphs.
    The HTML part is the same paragraphs in templates/mail/_layout.html, links clickable.
    """
    env = current_app.jinja_env
    context = {**context, "public_url": public_base_url()}
    with force_locale(locale):
        rendered = env.get_template(f"mail/{locale}/{kind}.txt").render(**context)
        subject, _, body = rendered.strip().partition("\n")
        paragraphs = [p.strip() for p in body.strip().split("\n\n") if p.strip()]
        html = env.get_template("mail/_layout.html").render(
            subject=subject, paragraphs=paragraphs, locale=locale
        )
    return subject.strip(), "\n\n".join(paragraphs) + "\n", html


def _outbox_row(key, kind, to_address, recipient=None, **context):
    """The columns of a new outbox row: the message rendered in the recipient's language."""
    locale = recipient_locale(recipient)
    subject, text, html = render(kind, locale, **context)
    now = utcnow()
    return {
        "key": key,
        "kind": kind,
        "recipient_id": getattr(recipient, "id", None),
        "to_address": to_address,
        "locale": locale,
        "subject": subject[:300],
        "body_text": text,
        "body_html": html,
        "status": MessageStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def queue_message(key, kind, *, to_address, recipient=None, **context):
    """Add a message to the outbox (flushed) unless one with `key` exists; returns it or None."""
    if not to_address:
        return None
    exists = db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.key == key))
    if exists is not None:
        return None
    message = OutboxMessage(**_outbox_row(key, kind, to_address, recipient, **context))
    try:
        with db.session.begin_nested():  # a concurrent run queued it first: keep that one
            db.session.add(message)
    except IntegrityError:
        return None
    return message


def queue_messages(entries):
    """queue_message for many messages at once: one query for the keys already queued and
    one INSERT for the others. `entries` are dicts of queue_message's arguments (`key`,
    `kind`, `to_address`, `recipient`, then the template's context); returns how many
    were queued."""
    entries = [e for e in entries if e.get("to_address")]
    keys = [e["key"] for e in entries]
    queued = set()
    for start in range(0, len(keys), 500):
        queued.update(
            db.session.scalars(
                sa.select(OutboxMessage.key).where(OutboxMessage.key.in_(keys[start : start + 500]))
            )
        )
    rows = []
    for entry in entries:
        if entry["key"] not in queued:
            queued.add(entry["key"])
            rows.append(_outbox_row(**entry))
    if rows:
        try:
            with db.session.begin_nested():
                db.session.execute(sa.insert(OutboxMessage.__table__), rows)
        except IntegrityError:  # a concurrent run queued some first: one by one, keep theirs
            for row in rows:
                with contextlib.suppress(IntegrityError), db.session.begin_nested():
                    db.session.execute(sa.insert(OutboxMessage.__table__), [row])
    return len(rows)


def compose(message):
    """The EmailMessage of an outbox row: plain text with an HTML alternative."""
    email = EmailMessage(policy=MAIL_POLICY)
    email["Subject"] = message.subject
    email["From"] = current_app.config["REGISTRY_MAIL_FROM"]
    email["To"] = message.to_address
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    email["Content-Language"] = message.locale
    email.set_content(message.body_text)
    email.add_alternative(message.body_html, subtype="html")
    return email


class _Transport:
    """SMTP when REGISTRY_SMTP_HOST is set (one connection per run), else .eml files."""

    def __init__(self, config):
        self.config = config
        self.smtp = None

    def send(self, email, message):
        config = self.config
        if not config["REGISTRY_SMTP_HOST"]:
            directory = Path(config["REGISTRY_MAIL_DIR"])
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / f"{message.id:08d}-{message.kind}.eml"
            partial = path.with_suffix(".part")
            partial.write_bytes(email.as_bytes())
            partial.replace(path)  # a reader never sees half a message
            return
        if self.smtp is None:
            smtp = smtplib.SMTP(
                config["REGISTRY_SMTP_HOST"], config["REGISTRY_SMTP_PORT"], timeout=30
            )
            if config["REGISTRY_SMTP_STARTTLS"]:
                smtp.starttls()
            if config["REGISTRY_SMTP_USERNAME"]:
                smtp.login(config["REGISTRY_SMTP_USERNAME"], config["REGISTRY_SMTP_PASSWORD"])
            self.smtp = smtp
        self.smtp.send_message(email)

    def close(self):
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None


def send_due(now=None, limit=200):
    """Send the pending messages that are due; returns (sent, failed attempts). Commits."""
    now = now or utcnow()
    transport = _Transport(current_app.config)
    due = db.session.scalars(
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.status == MessageStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    sent = failed = 0
    try:
        for message in due:
            message.attempts += 1
            try:
                transport.send(compose(message), message)
            except (OSError, smtplib.SMTPException) as exc:
                transport.close()  # a broken connection is opened again for the next one
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = MessageStatus.FAILED
                else:
                    message.next_attempt_at = now + FIRST_RETRY * 2 ** (message.attempts - 1)
                failed += 1
            else:
                message.status = MessageStatus.SENT
                message.sent_at = utcnow()
                message.last_error = None
                sent += 1
            db.session.commit()
    finally:
        transport.close()
    return sent, failed


def retry(message, *, actor):
    """An admin sends a failed (or waiting) message again at the next run; flushed."""
    message.status = MessageStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
    db.session.flush()
    record_event(
        "mail.retried",
        actor=actor,
        object_type="outbox_message",
        object_id=message.id,
        details={"kind": message.kind},
    )
