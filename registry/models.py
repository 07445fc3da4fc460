"""Every model, imported in one place so that the metadata (and Alembic) sees them all."""

from registry.audit.models import AuditEvent, AuditFinding, AuditSample
from registry.auth.models import ApiToken, User
from registry.cases.models import Case, CaseDocument
from registry.centres.models import Course, Enrolment, Topic, TrainingCentre
from registry.certificates.models import BatchJob, Certificate, CertificateCounter
from registry.exams.models import ExamResult, ExamSession
from registry.experts.models import (
    AccreditationRequest,
    CpdRecord,
    Expert,
    NameChangeRequest,
    StatusChange,
)
from registry.targets.models import Target

__all__ = [
    "AccreditationRequest",
    "ApiToken",
    "AuditEvent",
    "AuditFinding",
    "AuditSample",
    "BatchJob",
    "Case",
    "CaseDocument",
    "Certificate",
    "CertificateCounter",
    "Course",
    "CpdRecord",
    "Enrolment",
    "ExamResult",
    "ExamSession",
    "Expert",
    "NameChangeRequest",
    "StatusChange",
    "Target",
    "Topic",
    "TrainingCentre",
    "User",
]
