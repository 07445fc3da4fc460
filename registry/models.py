"""Every model, imported in one place so that the metadata (and Alembic) sees them all."""

# ruff: noqa: F401  (imported to be registered, and to be imported from here)

# Chains status changes as they are inserted (an ORM event).
from registry.audit import history_chain
from registry.audit.models import AuditCheckpoint, AuditEvent, AuditFinding, AuditSample
from registry.auth.models import ApiToken, SecondFactorRequirement, SignInThrottle, User
from registry.cases.models import Case, CaseDocument
from registry.centres.import_jobs import ImportJob
from registry.centres.models import Course, Enrolment, Topic, TrainingCentre
from registry.certificates.models import BatchJob, Certificate, CertificateCounter
from registry.credentials.models import CertificateCredential, IssuerKey, StatusList
from registry.exams.models import ExamResult, ExamResultCorrection, ExamSession
from registry.experts.models import (
    AccreditationRequest,
    CpdRecord,
    Expert,
    NameChangeRequest,
    StatusChange,
)
from registry.mail.models import OutboxMessage
from registry.sectors import Sector
from registry.targets.models import Target
