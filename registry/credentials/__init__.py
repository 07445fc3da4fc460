"""Signed credentials for certificates: Open Badges 3.0 / Verifiable Credentials 2.0
(docs/certificates.md)."""
