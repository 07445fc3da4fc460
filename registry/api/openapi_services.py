"""The OpenAPI description of the endpoints over the lifecycle, centres and certificates
services, built from the same declarations the views read their input with."""

from registry.api.centre_views import (
    ATTENDANCE,
    COURSE,
    COURSES_QUERY,
    ENROLMENT,
    EXAM_SESSION,
    PAGE_SIZE,
    RESULTS,
)
from registry.api.certificate_views import VERIFY_QUERY
from registry.api.lifecycle_views import APPLICATION, TRANSITION
from registry.api.openapi import (
    BODY_ERRORS,
    _nullable,
    _object,
    _operation,
    _query_params,
    _ref,
)
from registry.api.views import MAX_ID
from registry.enums import CertificateLevel, CertificateStatus, CourseLevel

LEVELS = [level.value for level in CertificateLevel]
CERTIFICATE_STATUSES = [status.value for status in CertificateStatus]
DATE = {"type": "string", "format": "date"}
INTEGER = {"type": "integer"}

SERVICE_SCHEMAS = {
    "CertificateBrief": _object(
        {
            "number": {"type": "string"},
            "level": {"type": "string", "enum": LEVELS},
            "status": {"type": "string", "enum": CERTIFICATE_STATUSES},
        }
    ),
    "Certificate": {
        "allOf": [
            _ref("CertificateBrief"),
            _object(
                {
                    "holder": {"type": "string"},
                    "issued_on": DATE,
                    "valid_until": DATE,
                    "sha256": _nullable("string", description="Null until the PDF is issued."),
                    "verification_code": {"type": "string"},
                    "verification_url": {"type": "string"},
                    "superseded_by": _nullable("string"),
                }
            ),
        ]
    },
    "Verification": _object(
        {
            "number": {"type": "string"},
            "holder": {"type": "string"},
            "level": {"type": "string", "enum": LEVELS},
            "scheme": {"type": "string"},
            "issued_on": DATE,
            "valid_until": DATE,
            "status": {"type": "string", "enum": CERTIFICATE_STATUSES},
        }
    ),
    "ExpertAfterTransition": {
        "allOf": [
            _ref("Expert"),
            {
                "type": "object",
                "properties": {"certificate": _ref("CertificateBrief")},
                "description": "`certificate` when the transition issued one.",
            },
        ]
    },
    "Course": _object(
        {
            "id": INTEGER,
            "centre": {"type": "string"},
            "code": {"type": "string"},
            "title": {"type": "string"},
            "topic": {"type": "string"},
            "level": {"type": "string", "enum": [level.value for level in CourseLevel]},
            "starts_on": DATE,
            "ends_on": DATE,
            "hours": INTEGER,
            "capacity": INTEGER,
            "trainers": {"type": "string"},
        }
    ),
    "CoursePage": _object(
        {
            "items": {"type": "array", "items": _ref("Course")},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "const": PAGE_SIZE},
            "total": {"type": "integer", "minimum": 0},
            "pages": {"type": "integer", "minimum": 0},
        }
    ),
    "Enrolment": _object(
        {
            "id": INTEGER,
            "course_id": INTEGER,
            "expert_id": INTEGER,
            "attended_hours": INTEGER,
            "completed": {"type": "boolean"},
            "completed_on": _nullable("string", format="date"),
            "expert_status": {"type": "string"},
            "moved_to_trained": {"type": "boolean"},
        }
    ),
    "ExamSession": _object(
        {
            "id": INTEGER,
            "centre": {"type": "string"},
            "course_id": _nullable("integer"),
            "held_on": DATE,
            "examiner_id": INTEGER,
            "pass_mark": INTEGER,
            "max_score": INTEGER,
        }
    ),
    "ExamResult": _object({"expert_id": INTEGER, "score": INTEGER, "passed": {"type": "boolean"}}),
}


def _id(name):
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    }


NUMBER = {
    "name": "number",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 40, "pattern": "^[A-Za-z0-9-]+$"},
    "description": "The certificate number, e.g. NSCL-QG-2026-00042.",
}


def phase_two_paths():
    course_list = _operation(
        "List courses",
        _ref("CoursePage"),
        errors=(400, 403),
        params=_query_params(COURSES_QUERY),
        description="Centre staff see their centre's courses; officers and auditors all.",
    )
    course_create = _operation(
        "Create a course of the caller's centre",
        _ref("Course"),
        errors=BODY_ERRORS,
        method="post",
        body=COURSE,
        status=201,
    )
    return {
        "/api/v1/experts": _operation(
            "Apply (an expert for themselves, an officer on someone's behalf)",
            _ref("Expert"),
            errors=(*BODY_ERRORS, 409),
            method="post",
            body=APPLICATION,
            status=201,
        ),
        "/api/v1/experts/{expert_id}/transitions": _operation(
            "Change an expert's status (SPEC §2)",
            _ref("ExpertAfterTransition"),
            errors=(*BODY_ERRORS, 404, 409),
            params=[_id("expert_id")],
            method="post",
            body=TRANSITION,
            description="403 when the caller may not take this decision, 409 when the "
            "change is illegal from the current status or conflicts with another, 422 when "
            "the request lacks what the decision needs (a reason, evidence).",
        ),
        "/api/v1/courses": course_list | course_create,
        "/api/v1/courses/{course_id}/enrolments": _operation(
            "Enrol an expert on a course of the caller's centre",
            _ref("Enrolment"),
            errors=(*BODY_ERRORS, 404, 409),
            params=[_id("course_id")],
            method="post",
            body=ENROLMENT,
            status=201,
        ),
        "/api/v1/enrolments/{enrolment_id}": _operation(
            "Record attendance and completion",
            _ref("Enrolment"),
            errors=(*BODY_ERRORS, 404, 409),
            params=[_id("enrolment_id")],
            method="patch",
            body=ATTENDANCE,
            description="Completing the expert programme moves an applicant to `trained` "
            "(`moved_to_trained`).",
        ),
        "/api/v1/exam-sessions": _operation(
            "Create an exam session of the caller's centre",
            _ref("ExamSession"),
            errors=BODY_ERRORS,
            method="post",
            body=EXAM_SESSION,
            status=201,
        ),
        "/api/v1/exam-sessions/{session_id}/results": _operation(
            "Record scores (the session's examiner only)",
            {"type": "array", "items": _ref("ExamResult")},
            errors=(*BODY_ERRORS, 404, 409),
            params=[_id("session_id")],
            method="post",
            body=RESULTS,
        ),
        "/api/v1/certificates/{number}": _operation(
            "A certificate (its holder, officers, auditors)",
            _ref("Certificate"),
            errors=(403, 404),
            params=[NUMBER],
        ),
        "/api/v1/certificates/{number}/pdf": _operation(
            "The archived PDF, checked against its stored hash",
            {"type": "string", "format": "binary"},
            errors=(403, 404, 500),
            params=[NUMBER],
            ok_content="application/pdf",
        ),
        "/api/v1/certificates/{number}/credential": _operation(
            "The signed Open Badges 3.0 credential (its holder, officers, auditors)",
            {"type": "object"},
            errors=(404,),
            params=[NUMBER],
            ok_content="application/ld+json",
            description="Anyone else, and a certificate without a credential, get a 404.",
        ),
        "/api/v1/verify/{number}": _operation(
            "Verify a certificate by number and code",
            _ref("Verification"),
            errors=(400, 404, 429),
            params=[NUMBER, *_query_params(VERIFY_QUERY)],
            secured=False,
            description="A wrong code and an unknown number get the same 404.",
        ),
    }
