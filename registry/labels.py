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

CASE_KIND_LABELS = {
    CaseKind.APPEAL: _l("Appeal"),
    CaseKind.COMPLAINT: _l("Complaint"),
    CaseKind.ERASURE: _l("Request for erasure of personal data"),
}

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

# What an outcome means depends on what the case asked for.
CASE_OUTCOME_LABELS = {
    CaseKind.APPEAL: {
        CaseOutcome.UPHELD: _l("Upheld (the decision is set aside)"),
        CaseOutcome.DISMISSED: _l("Dismissed (the decision stands)"),
    },
    CaseKind.COMPLAINT: {
        CaseOutcome.UPHELD: _l("Upheld (the complaint is justified)"),
        CaseOutcome.DISMISSED: _l("Dismissed (the complaint is not justified)"),
    },
    CaseKind.ERASURE: {
        CaseOutcome.UPHELD: _l("Granted (the data is erased when the case is closed)"),
        CaseOutcome.DISMISSED: _l("Refused (the data is kept)"),
    },
}

# What each audit event records, in words; tests/test_audit_labels.py fails when an action
# recorded anywhere in registry/ has no label here.
ACTION_LABELS = {
    "admin.password_reset_sent": _l("Password reset link sent by the administrator"),
    "auth.email_confirmed": _l("Email confirmed"),
    "auth.password_reset": _l("Password reset"),
    "auth.password_reset_requested": _l("Password reset requested"),
    "auth.sign_in_attack_warned": _l("Account holder warned of repeated failed sign-ins"),
    "auth.unconfirmed_deleted": _l("Unconfirmed account deleted"),
    "expert.invited": _l("Invitation to claim the record sent"),
    "expert.record_claimed": _l("Record claimed by its person"),
    "case.filed": _l("Complaint filed"),
    "case.received": _l("Case received"),
    "case.acknowledged": _l("Case acknowledged"),
    "case.assigned": _l("Case assigned"),
    "case.decided": _l("Case decided"),
    "case.closed": _l("Case closed"),
    "case.finding_recorded": _l("Audit finding recorded from the case"),
    "case.measure_taken": _l("Change of status decided from the case"),
    "expert.contact_corrected": _l("Contact details corrected"),
    "imports.queued": _l("Import queued"),
    "account.reminders_changed": _l("Reminder settings changed"),
    "accreditation.refused": _l("Accreditation refused"),
    "accreditation.requested": _l("Accreditation requested"),
    "admin.centre_created": _l("Training centre created"),
    "admin.centre_updated": _l("Training centre updated"),
    "admin.second_factor_required": _l("Second factor made mandatory"),
    "admin.target_created": _l("Target created"),
    "admin.target_updated": _l("Target updated"),
    "admin.province_value_fixed": _l("Stored province corrected"),
    "admin.sector_created": _l("Sector added"),
    "admin.sector_renamed": _l("Sector renamed"),
    "admin.sector_restored": _l("Sector offered again"),
    "admin.sector_retired": _l("Sector retired"),
    "admin.sector_value_fixed": _l("Stored sector corrected"),
    "admin.topic_created": _l("Course topic added"),
    "admin.topic_renamed": _l("Course topic renamed"),
    "admin.topic_restored": _l("Course topic restored"),
    "admin.topic_retired": _l("Course topic retired"),
    "admin.user_created": _l("User account created"),
    "admin.user_updated": _l("User account updated"),
    "api_token.created": _l("API token created"),
    "api_token.revoked": _l("API token revoked"),
    "audit.action_closed": _l("Corrective action closed"),
    "audit.finding_recorded": _l("Audit finding recorded"),
    "audit.sample_drawn": _l("Audit sample drawn"),
    "auth.password_changed": _l("Password changed"),
    "auth.second_factor_off": _l("Second factor turned off"),
    "auth.second_factor_on": _l("Second factor turned on"),
    "auth.sign_in": _l("Signed in"),
    "auth.sign_in_failed": _l("Failed sign-in"),
    "auth.signed_out": _l("Signed out"),
    "auth.signed_up": _l("Signed up"),
    "certificate.archive_checked": _l("Certificate archive checked"),
    "certificate.archive_failed": _l("Certificate archive check failed"),
    "certificate.archived": _l("Certificate archived"),
    "certificate.batch_failed": _l("Certificate batch failed"),
    "certificate.batch_finished": _l("Certificate batch finished"),
    "certificate.batch_queued": _l("Certificate batch queued"),
    "certificate.downloaded": _l("Certificate downloaded"),
    "certificate.issued": _l("Certificate issued"),
    "certificate.render_failed": _l("Certificate could not be rendered"),
    "course.created": _l("Course created"),
    "course.updated": _l("Course updated"),
    "cpd.confirmed": _l("CPD confirmed"),
    "cpd.recorded": _l("CPD recorded"),
    "cpd.refused": _l("CPD refused"),
    "credentials.backfilled": _l("Credentials backfilled"),
    "demo.seeded": _l("Demo data loaded"),
    "enrolment.created": _l("Enrolment created"),
    "enrolment.removed": _l("Enrolment removed"),
    "enrolment.updated": _l("Enrolment updated"),
    "enrolments.imported": _l("Enrolments imported"),
    "exam_result.corrected": _l("Exam result corrected"),
    "exam_result.correction_requested": _l("Correction of a frozen exam result requested"),
    "exam_result.correction_approved": _l("Correction of a frozen exam result approved"),
    "exam_result.correction_refused": _l("Correction of a frozen exam result refused"),
    "exam_result.recorded": _l("Exam result recorded"),
    "exam_results.imported": _l("Exam results imported"),
    "exam_session.created": _l("Exam session created"),
    "exam_session.updated": _l("Exam session updated"),
    "expert.contact_updated": _l("Contact details updated"),
    "expert.name_change_refused": _l("Name correction refused"),
    "expert.name_change_requested": _l("Name correction requested"),
    "expert.name_changed": _l("Name corrected"),
    "expert.profile_updated": _l("Profile updated"),
    "expert.transition": _l("Expert status changed"),
    "mail.retried": _l("Email sent again"),
    "report.exported": _l("Report exported"),
    "rights.erased": _l("Personal data erased"),
    "retention.applied": _l("Retention periods applied"),
}

OBJECT_TYPE_LABELS = {
    "case": _l("Case (appeal or complaint)"),
    "import_job": _l("Background import"),
    "api_token": _l("API token"),
    "archive": _l("Archive"),
    "audit_finding": _l("Audit finding"),
    "audit_sample": _l("Audit sample"),
    "batch_job": _l("Certificate batch"),
    "certificate": _l("Certificate"),
    "course": _l("Course"),
    "enrolment": _l("Enrolment"),
    "exam_result": _l("Exam result"),
    "exam_session": _l("Exam session"),
    "expert": _l("Expert"),
    "outbox_message": _l("Email"),
    "registry": _l("Registry"),
    "province": _l("Province"),
    "report": _l("Report"),
    "sector": _l("Sector"),
    "settings": _l("Settings"),
    "target": _l("Target"),
    "topic": _l("Course topic"),
    "training_centre": _l("Training centre"),
    "user": _l("User account"),
}


def action_label(action):
    """The words for an audit action; an unknown code (an older event) shows as itself."""
    return str(ACTION_LABELS.get(action, action))


def object_type_label(object_type):
    """The words for an audit object type; an unknown one shows as itself."""
    return str(OBJECT_TYPE_LABELS.get(object_type, object_type))


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
    "action_label": action_label,
    "object_type_label": object_type_label,
}
