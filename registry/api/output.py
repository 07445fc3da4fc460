"""What the API answers: one marshmallow schema per shape, which both writes the answer and
describes it in the OpenAPI document. The same shape for every caller."""

import marshmallow as ma
from flask_babel import get_locale

from registry.certificates.rendering import verification_url
from registry.certificates.verification import effective_status
from registry.enums import (
    CertificateLevel,
    CertificateStatus,
    CourseLevel,
    ExpertStatus,
    OrganisationType,
    Role,
)

f = ma.fields


def _enum(enum_cls, **kwargs):
    return f.Enum(enum_cls, by_value=True, **kwargs)


class With:
    """An object seen with a few more attributes: what a view learnt besides the object."""

    def __init__(self, obj, **extra):
        self._obj = obj
        self.__dict__.update(extra)

    def __getattr__(self, name):
        return getattr(self._obj, name)


class ErrorSchema(ma.Schema):
    class Detail(ma.Schema):
        code = f.String(required=True, metadata={"examples": ["not_found"]})
        message = f.String(required=True)
        fields = f.Dict(
            keys=f.String(),
            values=f.String(),
            metadata={"description": "The refused fields or parameters and why."},
        )

    error = f.Nested(Detail, required=True)


class HealthSchema(ma.Schema):
    status = f.String(metadata={"enum": ["ok", "error"]})
    database = f.String(metadata={"enum": ["ok", "error"]})


class MeSchema(ma.Schema):
    id = f.Integer()
    email = f.Email()
    role = _enum(Role)
    centre = f.Function(
        lambda user: user.centre.code if user.centre else None,
        allow_none=True,
        metadata={"type": "string", "description": "Training centre code, or null."},
    )


class ExpertSummarySchema(ma.Schema):
    id = f.Integer()
    full_name = f.String()
    email = f.String()
    organisation = f.String()
    organisation_type = _enum(OrganisationType)
    province = f.String()
    sector = f.String()
    status = _enum(ExpertStatus)


class StatusChangeSchema(ma.Schema):
    from_ = _enum(ExpertStatus, data_key="from", attribute="from_status", allow_none=True)
    to = _enum(ExpertStatus, attribute="to_status")
    at = f.DateTime(attribute="created_at")
    reason = f.String(allow_none=True)
    evidence = f.Dict(allow_none=True)


class ExpertSchema(ExpertSummarySchema):
    """The expert's profile as stored, their status, and the history of their status."""

    date_of_birth = f.Date()
    phone = f.String(allow_none=True)
    highest_degree = f.String()
    years_experience = f.Integer()
    consent_scheme_rules = f.Boolean()
    consent_public_listing = f.Boolean()
    held_level = _enum(ExpertStatus, allow_none=True)
    status_changed_at = f.DateTime()
    created_at = f.DateTime()
    history = f.List(f.Nested(StatusChangeSchema))


class CertificateBriefSchema(ma.Schema):
    number = f.String()
    level = _enum(CertificateLevel)
    status = _enum(CertificateStatus)


class ExpertAfterTransitionSchema(ExpertSchema):
    certificate = f.Nested(
        CertificateBriefSchema, metadata={"description": "When the transition issued one."}
    )


class CertificateSchema(CertificateBriefSchema):
    """A certificate as its holder and the directorate see it (status as of today)."""

    status = f.Function(
        lambda certificate: effective_status(certificate).value,
        metadata={"type": "string", "enum": [s.value for s in CertificateStatus]},
    )
    holder = f.String(attribute="holder_name")
    issued_on = f.Date()
    valid_until = f.Date()
    sha256 = f.String(allow_none=True, metadata={"description": "Null until the PDF is issued."})
    verification_code = f.String()
    verification_url = f.Function(verification_url, metadata={"type": "string"})
    superseded_by = f.Function(
        lambda certificate: certificate.superseded_by and certificate.superseded_by.number,
        allow_none=True,
        metadata={"type": "string"},
    )


class VerificationSchema(ma.Schema):
    """What anyone holding the number and the code learns."""

    number = f.String(attribute="certificate.number")
    holder = f.String(attribute="certificate.holder_name")
    level = _enum(CertificateLevel, attribute="certificate.level")
    scheme = f.String(attribute="certificate.scheme")
    issued_on = f.Date(attribute="certificate.issued_on")
    valid_until = f.Date(attribute="certificate.valid_until")
    status = _enum(CertificateStatus)


class PeriodSchema(ma.Schema):
    start = f.Date(attribute="period_start")
    end = f.Date(attribute="period_end")


class TargetSchema(ma.Schema):
    """A registry.targets.counting.TargetProgress."""

    key = f.String(attribute="target.key")
    label = f.Function(lambda row: row.target.label(str(get_locale())), metadata={"type": "string"})
    period = f.Nested(PeriodSchema, attribute="target")
    target = f.Integer(attribute="target.target_number")
    achieved = f.Integer()
    percent = f.Float()
    projected_on = f.Date(
        attribute="projection.on",
        allow_none=True,
        metadata={
            "description": "The day the target is reached if the last 12 months' pace goes "
            "on; null when it is already reached, the period is over, or the pace is too slow."
        },
    )


class CourseSchema(ma.Schema):
    id = f.Integer()
    centre = f.String(attribute="centre.code")
    code = f.String()
    title = f.String()
    topic = f.String(attribute="topic.code")
    level = _enum(CourseLevel)
    starts_on = f.Date()
    ends_on = f.Date()
    hours = f.Integer()
    capacity = f.Integer()
    trainers = f.String()


class EnrolmentSchema(ma.Schema):
    id = f.Integer()
    course_id = f.Integer()
    expert_id = f.Integer()
    attended_hours = f.Integer(allow_none=True)
    completed = f.Boolean()
    completed_on = f.Date(allow_none=True)
    expert_status = _enum(ExpertStatus, attribute="expert.status")
    moved_to_trained = f.Boolean(dump_default=False)


class ExamSessionSchema(ma.Schema):
    id = f.Integer()
    centre = f.String(attribute="centre.code")
    course_id = f.Integer()
    held_on = f.Date()
    examiner_id = f.Integer()
    pass_mark = f.Integer()
    max_score = f.Integer()


class ExamResultSchema(ma.Schema):
    expert_id = f.Integer()
    score = f.Integer()
    passed = f.Boolean()


def page_schema(item_schema, name):
    """A page of a list (a flask_sqlalchemy Pagination) with `item_schema` items."""
    return ma.Schema.from_dict(
        {
            "items": f.List(f.Nested(item_schema)),
            "page": f.Integer(),
            "per_page": f.Integer(),
            "total": f.Integer(),
            "pages": f.Integer(),
        },
        name=name,
    )


ExpertPageSchema = page_schema(ExpertSummarySchema, "ExpertPageSchema")
CoursePageSchema = page_schema(CourseSchema, "CoursePageSchema")
