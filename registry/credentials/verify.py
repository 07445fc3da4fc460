"""Offline verification of a credential: its proof, its dates, its status bits."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from registry.credentials.dataintegrity import ProofError, verify
from registry.credentials.status import bit_at


@dataclass
class CredentialReport:
    """What verify_credential found: problems (any means it fails) and what checked out."""

    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems


def _moment(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def verify_credential(document, resolve_key, *, status_lists=(), now=None):
    """Check `document` and report every problem found.

    `status_lists` are status list credentials (parsed JSON): each is verified with the
    same keys, then the credential's bit in it is read.
    """
    now = now or datetime.now(UTC)
    report = CredentialReport()
    try:
        method = verify(document, resolve_key)
        report.notes.append(f"signature valid ({method})")
    except ProofError as exc:
        report.problems.append(f"signature: {exc}")
        return report
    try:
        if "validFrom" in document and now < _moment(document["validFrom"]):
            report.problems.append(f"not valid before {document['validFrom']}")
        if "validUntil" in document and now > _moment(document["validUntil"]):
            report.problems.append(f"expired on {document['validUntil']}")
    except (TypeError, ValueError):
        report.problems.append("validFrom/validUntil are not dates")
    lists = {}
    for status_list in status_lists:
        try:
            verify(status_list, resolve_key)
        except ProofError as exc:
            report.problems.append(f"status list {status_list.get('id')}: {exc}")
            continue
        lists[status_list.get("id")] = status_list["credentialSubject"]
    entries = document.get("credentialStatus") or []
    for entry in entries if isinstance(entries, list) else [entries]:
        subject = lists.get(entry.get("statusListCredential"))
        if subject is None:
            report.notes.append(f"{entry.get('statusPurpose')}: no status list given")
            continue
        if subject.get("statusPurpose") != entry.get("statusPurpose"):
            report.problems.append(f"{entry.get('statusListCredential')}: purpose differs")
            continue
        try:
            flagged = bit_at(subject["encodedList"], int(entry["statusListIndex"]))
        except (KeyError, ValueError, IndexError, OSError) as exc:
            report.problems.append(f"{entry.get('statusPurpose')}: unreadable list ({exc})")
            continue
        if flagged:
            report.problems.append(f"{entry['statusPurpose']}: the credential is {_word(entry)}")
        else:
            report.notes.append(f"{entry['statusPurpose']}: not set")
    return report


def _word(entry):
    return "revoked" if entry["statusPurpose"] == "revocation" else "suspended"
