"""The registry's Ed25519 signing key and its did:web identity.

Production reads the key from REGISTRY_SIGNING_KEY_FILE (PEM, PKCS#8); development
generates one into instance/signing_key.pem; tests get a fresh key per app unless they set
the file. Every key used is recorded in `issuer_keys` and published in the DID document,
so a rotation (a new file) leaves old credentials verifiable.
"""

import json
from pathlib import Path
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app
from sqlalchemy.exc import IntegrityError

from registry.credentials.dataintegrity import sign
from registry.credentials.models import IssuerKey
from registry.credentials.multibase import public_multikey
from registry.extensions import db

_EXTENSION = "registry_signing_key"


class SigningKeyError(RuntimeError):
    """The signing key file is missing or is not an Ed25519 private key."""


def read_key_file(path):
    """The Ed25519 private key in a PEM file."""
    try:
        with open(path, "rb") as fh:
            key = serialization.load_pem_private_key(fh.read(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SigningKeyError(f"cannot read the signing key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} does not hold an Ed25519 private key")
    return key


def write_key_file(path, key=None):
    """Write a (new) Ed25519 private key as PEM, readable by the owner only."""
    key = key or Ed25519PrivateKey.generate()
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o600)
    return key


def signing_key(app=None):
    """The app's private signing key, loaded once per process."""
    app = app or current_app._get_current_object()
    key = app.extensions.get(_EXTENSION)
    if key is None:
        configured = app.config.get("REGISTRY_SIGNING_KEY_FILE")
        if configured:
            key = read_key_file(configured)
        elif app.config["REGISTRY_ENV"] == "development":
            path = Path(app.instance_path) / "signing_key.pem"
            key = read_key_file(path) if path.exists() else write_key_file(path)
        else:  # testing: a key of this app alone
            key = Ed25519PrivateKey.generate()
        app.extensions[_EXTENSION] = key
    return key


def current_multikey():
    """The public part of the current signing key, as a Multikey (z6Mk…)."""
    raw = (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return public_multikey(raw)


def issuer_did(base_url=None):
    """did:web of the registry, from REGISTRY_PUBLIC_URL (its host, and port if any)."""
    base = base_url or current_app.config["REGISTRY_PUBLIC_URL"]
    return "did:web:" + quote(urlsplit(base).netloc, safe="")


def method_id(multikey, did=None):
    """The verification method of a key: the DID and the key itself as fragment."""
    return f"{did or issuer_did()}#{multikey}"


def register_current_key():
    """Record the current public key in `issuer_keys` (once); flushed, not committed."""
    multikey = current_multikey()
    exists = db.session.scalar(
        sa.select(IssuerKey.id).where(IssuerKey.public_key_multibase == multikey)
    )
    if exists is None:
        try:
            with db.session.begin_nested():
                db.session.add(IssuerKey(public_key_multibase=multikey))
        except IntegrityError:  # a concurrent issuer recorded it first
            pass
    return multikey


def signed_json(document, created):
    """`document` signed with the current key (recorded first), as stored: JSON text."""
    method = method_id(register_current_key())
    return json.dumps(sign(document, signing_key(), method, created), ensure_ascii=False, indent=2)


def published_keys():
    """Every key the registry has signed with, the current one included, oldest first."""
    keys = list(
        db.session.scalars(sa.select(IssuerKey.public_key_multibase).order_by(IssuerKey.id))
    )
    current = current_multikey()
    if current not in keys:
        keys.append(current)
    return keys


def resolve_key(verification_method):
    """The publicKeyMultibase of one of the registry's verification methods, or None."""
    did, _, fragment = (verification_method or "").partition("#")
    if did != issuer_did() or fragment not in published_keys():
        return None
    return fragment


def did_document():
    """The did:web document published at /.well-known/did.json."""
    did = issuer_did()
    methods = [
        {
            "id": method_id(key, did),
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key,
        }
        for key in published_keys()
    ]
    ids = [method["id"] for method in methods]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    }
