"""Audit checkpoints: the state of the audit log and the status history, signed with the
registry's key and kept outside the database (docs/audit.md).

A checkpoint names how many audit events there were, the id and hash of the last one,
and a digest of the status history up to its last change. Anyone holding an older
checkpoint can later ask whether the database still reaches it: events deleted at the
end, a table emptied, or a chain edited and recomputed all make it unreachable, because
an attacker with the database cannot make a new signature.
"""

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import current_app

from registry.audit.models import AuditCheckpoint, AuditEvent
from registry.audit.service import GENESIS_HASH, lock_chain
from registry.credentials import keys
from registry.credentials.multibase import (
    MultibaseError,
    decode_base58btc,
    encode_base58btc,
    public_key_bytes,
)
from registry.database import utcnow
from registry.experts.models import StatusChange
from registry.extensions import db

CHECKPOINT_TYPE = "RegistryAuditCheckpoint"


def _canonical(value):
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def history_digest(through_id):
    """SHA-256, in id order, over the hashes of the status changes up to `through_id`."""
    digest = hashlib.sha256()
    query = (
        sa.select(StatusChange.id, StatusChange.hash)
        .where(StatusChange.id <= through_id)
        .order_by(StatusChange.id)
        .execution_options(yield_per=5000)
    )
    for change_id, change_hash in db.session.execute(query):
        digest.update(f"{change_id}:{change_hash or ''}\n".encode())
    return digest.hexdigest()


def _state():
    """What the database holds now, as a checkpoint records it."""
    events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    last = db.session.execute(
        sa.select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    changes = db.session.scalar(sa.select(sa.func.count(StatusChange.id)))
    last_change = db.session.scalar(sa.select(sa.func.max(StatusChange.id))) or 0
    return {
        "events": events,
        "last_event_id": last.id if last else 0,
        "last_event_hash": last.hash if last else GENESIS_HASH,
        "status_changes": changes,
        "last_status_change_id": last_change,
        "status_history_digest": history_digest(last_change),
    }


def sign_checkpoint(body):
    """`body` with the registry's signature (Ed25519 over its canonical JSON)."""
    multikey = keys.register_current_key()
    signed = {**body, "verificationMethod": keys.method_id(multikey)}
    signature = keys.signing_key().sign(_canonical(signed).encode("utf-8"))
    return {**signed, "signature": encode_base58btc(signature)}


def create_checkpoint():
    """Take, sign, store (flushed) and return a checkpoint: (row, document text).

    New audit events and status changes wait until the caller commits, so that none can
    land behind the point the checkpoint records.
    """
    session = db.session
    lock_chain(session)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("LOCK TABLE status_changes IN SHARE MODE"))
    now = utcnow().replace(microsecond=0)
    body = {
        "type": CHECKPOINT_TYPE,
        "registry": current_app.config["REGISTRY_PUBLIC_URL"].rstrip("/"),
        "issuer": keys.issuer_did(),
        "created": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        **_state(),
    }
    text = json.dumps(sign_checkpoint(body), ensure_ascii=False, indent=2)
    row = AuditCheckpoint(created_at=now, events=body["events"], document=text)
    session.add(row)
    session.flush()
    return row, text


def take_checkpoint():
    """Take a checkpoint, queue it by mail to every active auditor, commit, and write its
    file; returns (row, path). The CLI and the worker's daily task both run this."""
    from registry.auth.models import User
    from registry.enums import Role
    from registry.mail.outbox import queue_message

    row, text = create_checkpoint()
    auditors = db.session.scalars(
        sa.select(User).where(User.role == Role.AUDITOR, User.active.is_(True))
    )
    for auditor in auditors:
        queue_message(
            f"audit_checkpoint:{row.id}:{auditor.id}",
            "audit_checkpoint",
            to_address=auditor.email,
            recipient=auditor,
            full_name=auditor.full_name,
            events=row.events,
            document=text,
        )
    db.session.commit()
    return row, write_checkpoint_file(row, text)


def write_checkpoint_file(row, text):
    """Write the checkpoint into REGISTRY_AUDIT_CHECKPOINT_DIR (never overwriting)."""
    directory = Path(current_app.config["REGISTRY_AUDIT_CHECKPOINT_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"checkpoint-{row.created_at:%Y%m%dT%H%M%SZ}-{row.id:06d}.json"
    with open(path, "x", encoding="utf-8") as fh:
        fh.write(text)
    return path


class CheckpointError(ValueError):
    """A checkpoint file is unreadable or its signature is not the registry's."""


def check_signature(document):
    """Raise CheckpointError unless the checkpoint is signed by one of the registry's keys."""
    if not isinstance(document, dict) or document.get("type") != CHECKPOINT_TYPE:
        raise CheckpointError("not an audit checkpoint")
    multikey = keys.resolve_key(document.get("verificationMethod"))
    if multikey is None:
        raise CheckpointError("signed by a key the registry does not know")
    body = {k: v for k, v in document.items() if k != "signature"}
    try:
        public_key = Ed25519PublicKey.from_public_bytes(public_key_bytes(multikey))
        public_key.verify(decode_base58btc(document.get("signature")), _canonical(body).encode())
    except (InvalidSignature, MultibaseError, ValueError) as exc:
        raise CheckpointError("its signature does not match its content") from exc


@dataclass
class CheckpointReport:
    """What the database says about one checkpoint: reached, or the reasons it is not."""

    name: str
    problems: list = field(default_factory=list)

    @property
    def reached(self):
        return not self.problems


def check_against(document, name=""):
    """Does the database still reach this (signed) checkpoint?"""
    report = CheckpointReport(name)
    try:
        check_signature(document)
    except CheckpointError as exc:
        report.problems.append(f"checkpoint not trusted: {exc}")
        return report
    events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    if events < document["events"]:
        report.problems.append(
            f"the audit log has {events} events, fewer than the {document['events']} "
            "it had at the checkpoint (events deleted)"
        )
    if document["events"]:
        # The checkpoint's last event must still be the N-th, with the same hash.
        row = db.session.execute(
            sa.select(AuditEvent.id, AuditEvent.hash)
            .order_by(AuditEvent.id)
            .offset(document["events"] - 1)
            .limit(1)
        ).first()
        if row is None or row.id != document["last_event_id"]:
            report.problems.append(
                f"event #{document['last_event_id']} is no longer the "
                f"{document['events']}th event of the log (events deleted or inserted)"
            )
        elif row.hash != document["last_event_hash"]:
            report.problems.append(
                f"event #{row.id} has another hash than at the checkpoint "
                "(the chain was altered and recomputed)"
            )
    through = document["last_status_change_id"]
    changes = db.session.scalar(
        sa.select(sa.func.count(StatusChange.id)).where(StatusChange.id <= through)
    )
    if changes != document["status_changes"]:
        report.problems.append(
            f"the status history holds {changes} changes up to #{through}, "
            f"not the {document['status_changes']} of the checkpoint (changes deleted)"
        )
    elif history_digest(through) != document["status_history_digest"]:
        report.problems.append(
            "the status history up to the checkpoint differs from what it was "
            "(a change was altered and its chain recomputed)"
        )
    return report


def latest_checkpoint():
    """The newest stored checkpoint, or None."""
    return db.session.scalar(
        sa.select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)
    )
