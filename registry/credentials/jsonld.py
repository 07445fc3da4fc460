"""JSON-LD processing with the contexts shipped in this package, never the network.

A document naming any other context is refused: what is signed must not depend on what a
server somewhere answers today.
"""

import json
from functools import cache
from pathlib import Path

from pyld import jsonld

CONTEXT_DIR = Path(__file__).resolve().parent / "contexts"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXT_FILES = {
    VC_V2: "credentials-v2.jsonld",
    OB_V3: "ob-context-3.0.3.json",
    "https://www.w3.org/ns/credentials/examples/v2": "credentials-examples-v2.jsonld",
}


class JsonLdFailure(ValueError):
    """A document cannot be processed as JSON-LD (e.g. it names a context not shipped)."""


class UnknownContext(JsonLdFailure):
    """A document refers to a JSON-LD context the registry does not ship."""


@cache
def _context(url):
    return json.loads((CONTEXT_DIR / CONTEXT_FILES[url]).read_text(encoding="utf-8"))


def load_document(url, _options=None):
    """pyld document loader: only the shipped contexts.

    The "static" tag (the remote-document convention pyld shares with jsonld.js) lets pyld
    keep the processed contexts between documents: these files never change, and
    processing them again was a third of the cost of canonicalising a credential.
    """
    if url not in CONTEXT_FILES:
        raise UnknownContext(f"JSON-LD context not shipped with the registry: {url}")
    return {"contextUrl": None, "documentUrl": url, "document": _context(url), "tag": "static"}


def canonicalize(document):
    """RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document."""
    contexts = document.get("@context") if isinstance(document, dict) else None
    for url in contexts if isinstance(contexts, list) else [contexts]:
        if isinstance(url, str) and url not in CONTEXT_FILES:
            raise UnknownContext(f"JSON-LD context not shipped with the registry: {url}")
    try:
        return jsonld.normalize(
            document,
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": load_document,
            },
        )
    except jsonld.JsonLdError as exc:
        raise JsonLdFailure(f"not processable as JSON-LD: {exc.type}") from exc
