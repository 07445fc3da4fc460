"""The Open Badges 3.0 credential (a W3C Verifiable Credential 2.0) of a certificate.

Built from the certificate's printed fields, in the certificate's own words
(registry.certificates.wording). Every key used is a term of the VC 2.0 or OB 3.0
context, so that all of it is covered by the signature (tests/test_credentials.py checks
that JSON-LD expansion drops nothing).
"""

import uuid

from registry.certificates import wording
from registry.credentials.jsonld import OB_V3, VC_V2

# Dates on the certificate are Vietnamese calendar days.
DAY_START = "T00:00:00+07:00"
DAY_END = "T23:59:59+07:00"


def achievement_id(base_url, level):
    """The URL naming the achievement of a level (the same for every holder)."""
    return f"{base_url.rstrip('/')}/credentials/achievements/{level}"


def build_credential(fields, *, issuer_did, base_url, status_entries):
    """The unsigned credential: `fields` is a PrintedCertificate, `status_entries` the
    certificate's BitstringStatusListEntry objects."""
    level_vi, level_en = wording.LEVELS[fields.level]
    return {
        "@context": [VC_V2, OB_V3],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{wording.TITLE[0]} – {fields.number}",
        "description": f"{wording.TITLE[1]}: {level_en}",
        "issuer": {"id": issuer_did, "type": ["Profile"], "name": fields.issuing_body},
        "validFrom": f"{fields.issued_on.isoformat()}{DAY_START}",
        "validUntil": f"{fields.valid_until.isoformat()}{DAY_END}",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": fields.holder_name,
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": fields.holder_name,
                }
            ],
            "licenseNumber": fields.number,
            "achievement": {
                "id": achievement_id(base_url, fields.level),
                "type": ["Achievement"],
                "achievementType": "Certification",
                "name": f"{level_vi} / {level_en}",
                "description": f"{wording.SCOPE[0]} / {wording.SCOPE[1]}",
                "criteria": {
                    "narrative": f"{wording.HAS_MET[0]} {level_vi.lower()} ({fields.scheme}). "
                    f"{wording.HAS_MET[1].capitalize()} {level_en.lower()} ({fields.scheme})."
                },
                "tag": [fields.scheme],
            },
        },
        "evidence": [
            {
                "id": fields.verification_url,
                "type": ["Evidence"],
                "name": f"{wording.VERIFY_TITLE[0]} / {wording.VERIFY_TITLE[1]}",
            }
        ],
        "credentialStatus": status_entries,
    }
