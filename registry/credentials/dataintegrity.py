"""Data Integrity proofs, cryptosuite `eddsa-rdfc-2022` (W3C Data Integrity EdDSA
Cryptosuites v1.0, §3.3): RDFC-1.0 canonical N-Quads, SHA-256, Ed25519. Knows nothing of Flask.
"""

import copy
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from registry.credentials.jsonld import JsonLdFailure, canonicalize
from registry.credentials.multibase import (
    MultibaseError,
    decode_base58btc,
    encode_base58btc,
    public_key_bytes,
)

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"


class ProofError(ValueError):
    """A proof is missing, malformed, or does not verify."""


def _hash_data(document, proof_options):
    """SHA-256(canonical proof options) ‖ SHA-256(canonical document), the signed bytes."""
    options = dict(proof_options)
    options["@context"] = document["@context"]
    proof_hash = hashlib.sha256(canonicalize(options).encode("utf-8")).digest()
    document_hash = hashlib.sha256(canonicalize(document).encode("utf-8")).digest()
    return proof_hash + document_hash


def sign(document, private_key, verification_method, created):
    """A copy of `document` with an embedded proof.

    `private_key` is a cryptography Ed25519PrivateKey, `created` an XML dateTime string
    (e.g. "2026-11-29T04:00:00Z").
    """
    unsigned = copy.deepcopy(document)
    unsigned.pop("proof", None)
    proof = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    signature = private_key.sign(_hash_data(unsigned, proof))
    signed = copy.deepcopy(unsigned)
    signed["proof"] = {**proof, "proofValue": encode_base58btc(signature)}
    return signed


def verify(document, resolve_key):
    """Check the document's proof; returns the proof's verificationMethod.

    `resolve_key(verification_method)` returns the key's `publicKeyMultibase`, or None
    when the method is unknown. Raises ProofError with the reason when it does not verify.
    """
    proof = document.get("proof") if isinstance(document, dict) else None
    if not isinstance(proof, dict):
        raise ProofError("the document carries no proof")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"not a {PROOF_TYPE} with cryptosuite {CRYPTOSUITE}")
    if proof.get("proofPurpose") != "assertionMethod":
        raise ProofError("the proof's purpose is not assertionMethod")
    if "@context" not in document:
        raise ProofError("the document has no @context")
    method = proof.get("verificationMethod")
    multikey = resolve_key(method)
    if multikey is None:
        raise ProofError(f"unknown verification method: {method}")
    try:
        public_key = Ed25519PublicKey.from_public_bytes(public_key_bytes(multikey))
        signature = decode_base58btc(proof.get("proofValue"))
    except (MultibaseError, ValueError) as exc:
        raise ProofError(f"malformed key or proofValue: {exc}") from exc
    unsigned = {key: value for key, value in document.items() if key != "proof"}
    options = {key: value for key, value in proof.items() if key != "proofValue"}
    try:
        public_key.verify(signature, _hash_data(unsigned, options))
    except InvalidSignature as exc:
        raise ProofError("the signature does not match the document") from exc
    except JsonLdFailure as exc:
        raise ProofError(str(exc)) from exc
    return method
