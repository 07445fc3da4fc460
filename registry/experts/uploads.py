"""Evidence documents (accreditation): size- and type-limited, stored by content hash."""

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from registry.text import clean_text

# The kinds accepted, recognised by their first bytes rather than by name or declared type.
KINDS = (
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
)
MIMETYPES = {ext: mimetype for _magic, ext, mimetype in KINDS}


class UploadRefused(ValueError):
    """The file is not accepted; the message says why."""


@dataclass
class StoredFile:
    name: str
    path: str  # relative to REGISTRY_UPLOADS_DIR
    sha256: str


def uploads_dir():
    return Path(current_app.config["REGISTRY_UPLOADS_DIR"])


def store_evidence(stream, filename):
    """Check and store an uploaded document; the same content is stored once."""
    limit = current_app.config["REGISTRY_EVIDENCE_MAX_BYTES"]
    data = stream.read(limit + 1)
    if not data:
        raise UploadRefused(_l("The document is empty."))
    if len(data) > limit:
        raise UploadRefused(
            _l(
                "The document is larger than %(size)s MB.",
                size=round(limit / (1024 * 1024), 1),
            )
        )
    ext = next((ext for magic, ext, _mimetype in KINDS if data.startswith(magic)), None)
    if ext is None:
        raise UploadRefused(_l("Only PDF, JPEG or PNG documents are accepted."))
    digest = hashlib.sha256(data).hexdigest()
    relative = f"accreditation/{digest[:2]}/{digest}.{ext}"
    target = uploads_dir() / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written whole or not at all: a temporary file in the same directory, then renamed.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    name = clean_text(Path((filename or "").replace("\\", "/")).name) or f"document.{ext}"
    return StoredFile(name[:255], relative, digest)


def evidence_path(relative):
    """The absolute path of a stored document; refuses anything outside the uploads dir."""
    base = uploads_dir().resolve()
    path = (base / relative).resolve()
    if base not in path.parents:
        raise UploadRefused(_l("No such document."))
    return path
