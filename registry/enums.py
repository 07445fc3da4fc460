"""The registry's closed vocabularies. Each is stored as a string checked by the database."""

from enum import StrEnum


class Role(StrEnum):
    EXPERT = "expert"
    CENTRE_STAFF = "centre_staff"
    OFFICER = "officer"
    AUDITOR = "auditor"
    ADMIN = "admin"


class ExpertStatus(StrEnum):
    APPLIED = "applied"
    REJECTED = "rejected"
    TRAINED = "trained"
    CERTIFIED = "certified"
    ACCREDITED_REGIONAL = "accredited_regional"
    ACCREDITED_INTERNATIONAL = "accredited_international"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


# The states in which a person holds a certificate level; suspended and expired
# experts remember which of these they held (Expert.held_level).
CERTIFIED_LEVELS = (
    ExpertStatus.CERTIFIED,
    ExpertStatus.ACCREDITED_REGIONAL,
    ExpertStatus.ACCREDITED_INTERNATIONAL,
)

# An application is "open" until it is rejected or the person is withdrawn.
CLOSED_STATUSES = (ExpertStatus.REJECTED, ExpertStatus.WITHDRAWN)


class OrganisationType(StrEnum):
    MINISTRY = "ministry"
    AGENCY = "agency"
    PROVINCE = "province"
    ENTERPRISE = "enterprise"
    CONSULTANCY = "consultancy"
    UNIVERSITY = "university"


class CertificateLevel(StrEnum):
    NATIONAL = "national"
    REGIONAL = "regional"
    INTERNATIONAL = "international"

    @property
    def code(self):
        """The level's letters in a certificate number (NSCL-QG-2026-00042)."""
        return {"national": "QG", "regional": "KV", "international": "QT"}[self.value]


class CertificateStatus(StrEnum):
    VALID = "valid"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"


class PublicReason(StrEnum):
    """Why a certificate is suspended or withdrawn, as anyone verifying it may read: a short
    controlled list, never the officer's own words (those stay in the file)."""

    UNDER_REVIEW_AFTER_COMPLAINT = "under_review_after_complaint"
    REQUIREMENTS_NO_LONGER_MET = "requirements_no_longer_met"
    AT_HOLDERS_REQUEST = "at_holders_request"
    MISUSE_OF_CERTIFICATE = "misuse_of_certificate"
    # ISO/IEC 17024 requires certified persons to keep a code of conduct: a breach of it is
    # a ground of its own, distinct from misusing the certificate or no longer qualifying.
    CODE_OF_CONDUCT_BREACH = "code_of_conduct_breach"


class CourseLevel(StrEnum):
    BASIC = "basic"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class TargetMetric(StrEnum):
    """What a programme target counts (SPEC §5)."""

    CERTIFIED = "certified"
    REGIONAL_INTERNATIONAL = "regional_international"
    TRAINED = "trained"


class FindingResult(StrEnum):
    CONFORMING = "conforming"
    NONCONFORMING = "nonconforming"


class RequestStatus(StrEnum):
    """State of a request that an officer approves or refuses (name change, CPD, accreditation)."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class BatchJobStatus(StrEnum):
    """A background run of certificate batch issuance, as the directorate follows it."""

    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class MessageStatus(StrEnum):
    """A message in the outbox: waiting to be sent, sent, or given up after its retries."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class CaseKind(StrEnum):
    """What a case is (registry/cases): an appeal against a decision (ISO/IEC 17024 9.8), a
    complaint about a certified person, a training centre or the directorate (9.9), or a
    person's request to erase their personal data (Law No. 91/2025/QH15; registry/rights)."""

    APPEAL = "appeal"
    COMPLAINT = "complaint"
    ERASURE = "erasure"


class ComplaintSubject(StrEnum):
    """Whom a complaint is about."""

    EXPERT = "expert"
    CENTRE = "centre"
    DIRECTORATE = "directorate"


class CaseStatus(StrEnum):
    """The life of a case: received → acknowledged → assigned → decided → closed."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    DECIDED = "decided"
    CLOSED = "closed"


# A case waiting for the directorate: its deadline (Case.due_on) can be missed.
OPEN_CASE_STATUSES = (CaseStatus.RECEIVED, CaseStatus.ACKNOWLEDGED, CaseStatus.ASSIGNED)


class CaseOutcome(StrEnum):
    """An appeal upheld (the decision is set aside) or dismissed (it stands); an erasure
    request upheld (carried out when the case is closed) or dismissed."""

    UPHELD = "upheld"
    DISMISSED = "dismissed"
