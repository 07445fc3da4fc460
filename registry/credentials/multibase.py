"""Multibase and Multikey encodings used by Data Integrity proofs and DID documents.

Only what the registry needs: base58btc (prefix `z`) for keys and signatures, base64url
without padding (prefix `u`) for status-list bitstrings, and the Multikey headers of
Ed25519 keys (multicodec varints 0xed and 0x1300).
"""

import base64

import base58

ED25519_PUBLIC_HEADER = b"\xed\x01"


class MultibaseError(ValueError):
    """A value is not in the expected multibase encoding."""


def encode_base58btc(data):
    """Bytes as multibase base58btc (`z…`)."""
    return "z" + base58.b58encode(data).decode("ascii")


def decode_base58btc(text):
    """The bytes of a multibase base58btc string; MultibaseError otherwise."""
    if not isinstance(text, str) or not text.startswith("z"):
        raise MultibaseError("expected base58btc multibase (prefix 'z')")
    try:
        return base58.b58decode(text[1:])
    except ValueError as exc:
        raise MultibaseError("invalid base58btc") from exc


def encode_base64url(data):
    """Bytes as multibase base64url without padding (`u…`)."""
    return "u" + base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def decode_base64url(text):
    """The bytes of a multibase base64url string; MultibaseError otherwise."""
    if not isinstance(text, str) or not text.startswith("u"):
        raise MultibaseError("expected base64url multibase (prefix 'u')")
    body = text[1:]
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError as exc:
        raise MultibaseError("invalid base64url") from exc


def public_multikey(raw_public_key):
    """An Ed25519 public key (32 bytes) as a Multikey `publicKeyMultibase` (z6Mk…)."""
    return encode_base58btc(ED25519_PUBLIC_HEADER + raw_public_key)


def public_key_bytes(multikey):
    """The 32 raw bytes of an Ed25519 `publicKeyMultibase`."""
    data = decode_base58btc(multikey)
    if not data.startswith(ED25519_PUBLIC_HEADER) or len(data) != 34:
        raise MultibaseError("not an Ed25519 public Multikey")
    return data[2:]
