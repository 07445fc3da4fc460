"""Bitstring Status Lists (W3C): where each credential's revocation and suspension bits
live, and the signed list credentials rebuilt whenever a certificate's status moves one.

Each credential takes a random index (so that the index says nothing about the order of
issue) in a list of LIST_BITS bits, one list per purpose per list number; a list number
holds at most PER_LIST credentials, so that a free random index is found at once. A list
is rebuilt from the certificates' statuses, signed and stored in the transaction that
changed them; serving it is reading one row.
"""

import gzip
import hashlib
import secrets

import sqlalchemy as sa
from flask import current_app

from registry.certificates.models import Certificate
from registry.credentials import keys
from registry.credentials.jsonld import VC_V2
from registry.credentials.models import CertificateCredential, StatusList
from registry.credentials.multibase import decode_base64url, encode_base64url
from registry.database import utcnow
from registry.enums import CertificateStatus
from registry.extensions import db

LIST_BITS = 131_072  # the minimum size the Recommendation allows, for herd privacy
PER_LIST = LIST_BITS // 2
REVOCATION, SUSPENSION = "revocation", "suspension"
PURPOSES = (REVOCATION, SUSPENSION)
# Which certificate statuses set each purpose's bit; an expired certificate sets none
# (its credential's validUntil has passed).
SET_BY = {
    REVOCATION: (CertificateStatus.WITHDRAWN, CertificateStatus.SUPERSEDED),
    SUSPENSION: (CertificateStatus.SUSPENDED,),
}
INDEX_COLUMN = {REVOCATION: "revocation_index", SUSPENSION: "suspension_index"}


def list_url(purpose, number, base_url=None):
    """The public URL of a status list, which is also its credential id."""
    base = (base_url or current_app.config["REGISTRY_PUBLIC_URL"]).rstrip("/")
    return f"{base}/credentials/status/{purpose}/{number}"


def allocate():
    """(list number, revocation index, suspension index) for a new credential."""
    # The newest list, counted on its index (at most PER_LIST entries), not the whole table.
    number = db.session.scalar(sa.select(sa.func.max(CertificateCredential.status_list))) or 1
    in_list = db.session.scalar(
        sa.select(sa.func.count()).where(CertificateCredential.status_list == number)
    )
    if in_list >= PER_LIST:
        number += 1
    indices = [_free_index(number, INDEX_COLUMN[purpose]) for purpose in PURPOSES]
    return number, *indices


def _free_index(number, column_name):
    column = getattr(CertificateCredential, column_name)
    while True:
        index = secrets.randbelow(LIST_BITS)
        taken = db.session.scalar(
            sa.select(CertificateCredential.id).where(
                CertificateCredential.status_list == number, column == index
            )
        )
        if taken is None:
            return index


def status_entries(number, revocation_index, suspension_index):
    """The credential's two BitstringStatusListEntry objects."""
    entries = []
    for purpose, index in ((REVOCATION, revocation_index), (SUSPENSION, suspension_index)):
        url = list_url(purpose, number)
        entries.append(
            {
                "id": f"{url}#{index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "statusListIndex": str(index),
                "statusListCredential": url,
            }
        )
    return entries


def encode_bits(indices, size=LIST_BITS):
    """GZIP-compressed bitstring, multibase base64url; bit 0 is the first byte's top bit."""
    bits = bytearray(size // 8)
    for index in indices:
        bits[index // 8] |= 0x80 >> (index % 8)
    return encode_base64url(gzip.compress(bytes(bits), mtime=0))


def bit_at(encoded_list, index):
    """The bit at `index` of an `encodedList`."""
    bits = gzip.decompress(decode_base64url(encoded_list))
    if not 0 <= index < len(bits) * 8:
        raise IndexError(f"status index {index} is outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def set_indices(purpose, number):
    """Indices of the list's set bits, from the certificates' statuses now."""
    column = getattr(CertificateCredential, INDEX_COLUMN[purpose])
    return db.session.scalars(
        sa.select(column)
        .join(Certificate, Certificate.id == CertificateCredential.certificate_id)
        .where(
            CertificateCredential.status_list == number,
            Certificate.status.in_(SET_BY[purpose]),
        )
    ).all()


def rebuild(purpose, number):
    """Rebuild, sign and store one list (flushed). The row is locked first, so that on
    PostgreSQL a concurrent rebuild waits and then reads the statuses this one committed."""
    row = db.session.scalar(
        sa.select(StatusList)
        .where(StatusList.purpose == purpose, StatusList.number == number)
        .with_for_update()
    )
    url = list_url(purpose, number)
    now = utcnow().replace(microsecond=0)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    document = {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": keys.issuer_did(),
        "validFrom": stamp,
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_bits(set_indices(purpose, number)),
        },
    }
    text = keys.signed_json(document, stamp)
    etag = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if row is None:
        row = StatusList(purpose=purpose, number=number)
        db.session.add(row)
    row.document, row.etag, row.updated_at = text, etag, now
    db.session.flush()
    return row


def ensure_lists(number):
    """Build the lists of `number` if they are not published yet."""
    for purpose in PURPOSES:
        exists = db.session.get(StatusList, (purpose, number))
        if exists is None:
            rebuild(purpose, number)


def certificates_changed(certificates):
    """Rebuild the status lists holding these certificates' bits, in the current
    transaction. Call it after any change of a certificate's status (flushed or not)."""
    ids = {certificate.id for certificate in certificates if certificate.id is not None}
    if not ids:
        return
    db.session.flush()
    numbers = db.session.scalars(
        sa.select(CertificateCredential.status_list)
        .where(CertificateCredential.certificate_id.in_(ids))
        .distinct()
    ).all()
    for number in sorted(numbers):
        for purpose in PURPOSES:
            rebuild(purpose, number)
