"""Human labels (translated) for the registry's enums, for pages and exports."""

from flask_babel import lazy_gettext as _l

from registry.enums import (
    CaseKind,
    CaseOutcome,
    CaseStatus,
    CertificateLevel,
    CertificateStatus,
    ComplaintSubject,
    ExpertStatus,
    OrganisationType,
    PublicReason,
    RequestStatus,
)

STATUS_LABELS = {
    ExpertStatus.APPLIED: _l("Applied"),
    ExpertStatus.REJECTED: _l("Rejected"),
    ExpertStatus.TRAINED: _l("Trained"),
    ExpertStatus.CERTIFIED: _l("Certified (national)"),
    ExpertStatus.ACCREDITED_REGIONAL: _l("Accredited (regional)"),
    ExpertStatus.ACCREDITED_INTERNATIONAL: _l("Accredited (international)"),
    ExpertStatus.SUSPENDED: _l("Suspended"),
    ExpertStatus.WITHDRAWN: _l("Withdrawn"),
    ExpertStatus.EXPIRED: _l("Expired"),
}

ORGANISATION_TYPE_LABELS = {
    OrganisationType.MINISTRY: _l("Ministry"),
    OrganisationType.AGENCY: _l("Agency"),
    OrganisationType.PROVINCE: _l("Province"),
    OrganisationType.ENTERPRISE: _l("Enterprise"),
    OrganisationType.CONSULTANCY: _l("Consultancy"),
    OrganisationType.UNIVERSITY: _l("University"),
}

LEVEL_LABELS = {
    CertificateLevel.NATIONAL: _l("National"),
    CertificateLevel.REGIONAL: _l("Regional"),
    CertificateLevel.INTERNATIONAL: _l("International"),
}

CERTIFICATE_STATUS_LABELS = {
    CertificateStatus.VALID: _l("Valid"),
    CertificateStatus.SUSPENDED: _l("Suspended"),
    CertificateStatus.WITHDRAWN: _l("Withdrawn"),
    CertificateStatus.EXPIRED: _l("Expired"),
    CertificateStatus.SUPERSEDED: _l("Superseded"),
}

REQUEST_STATUS_LABELS = {
    RequestStatus.PENDING: _l("Waiting for a decision"),
    RequestStatus.APPROVED: _l("Approved"),
    RequestStatus.REFUSED: _l("Refused"),
}

# The interface's words for the public reasons; the certificate's own pair (Vietnamese and
# English, whatever the browser's language) is registry/certificates/wording.py REASONS.
PUBLIC_REASON_LABELS = {
    PublicReason.UNDER_REVIEW_AFTER_COMPLAINT: _l("Under review after a complaint"),
    PublicReason.REQUIREMENTS_NO_LONGER_MET: _l("Certification requirements no longer met"),
    PublicReason.AT_HOLDERS_REQUEST: _l("At the holder's request"),
    PublicReason.MISUSE_OF_CERTIFICATE: _l("Misuse of the certificate"),
    PublicReason.CODE_OF_CONDUCT_BREACH: _l("Breach of the code of conduct"),
}

CASE_KIND_LABELS = {CaseKind.APPEAL: _l("Appeal"), CaseKind.COMPLAINT: _l("Complaint")}

COMPLAINT_SUBJECT_LABELS = {
    ComplaintSubject.EXPERT: _l("A certified expert"),
    ComplaintSubject.CENTRE: _l("A training centre"),
    ComplaintSubject.DIRECTORATE: _l("The directorate's handling of a matter"),
}

CASE_STATUS_LABELS = {
    CaseStatus.RECEIVED: _l("Received"),
    CaseStatus.ACKNOWLEDGED: _l("Acknowledged"),
    CaseStatus.ASSIGNED: _l("Assigned"),
    CaseStatus.DECIDED: _l("Decided"),
    CaseStatus.CLOSED: _l("Closed"),
}

CASE_OUTCOME_LABELS = {
    CaseOutcome.UPHELD: _l("Upheld (the decision is set aside)"),
    CaseOutcome.DISMISSED: _l("Dismissed (the decision stands)"),
}

ALL_LABELS = {
    "status_labels": STATUS_LABELS,
    "organisation_type_labels": ORGANISATION_TYPE_LABELS,
    "level_labels": LEVEL_LABELS,
    "certificate_status_labels": CERTIFICATE_STATUS_LABELS,
    "request_status_labels": REQUEST_STATUS_LABELS,
    "public_reason_labels": PUBLIC_REASON_LABELS,
    "case_kind_labels": CASE_KIND_LABELS,
    "case_status_labels": CASE_STATUS_LABELS,
    "case_outcome_labels": CASE_OUTCOME_LABELS,
    "complaint_subject_labels": COMPLAINT_SUBJECT_LABELS,
}
