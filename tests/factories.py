"""Builders for tests (factory_boy). Each commits nothing; the caller commits when needed."""

from datetime import date, timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from registry.centres.models import Course, Enrolment, Topic, TrainingCentre
from registry.enums import CourseLevel, ExpertStatus, OrganisationType, Role
from registry.exams.models import ExamResult, ExamSession
from registry.experts.models import Expert
from registry.extensions import db
from registry.models import User

TEST_PASSWORD = "correct horse battery staple"

NAMES = [
    "Nguyễn Văn An",
    "Trần Thị Bích",
    "Lê Hoàng Cường",
    "Phạm Thị Dung",
    "Đặng Quốc Đạt",
    "Vũ Thị Hạnh",
    "Bùi Minh Khôi",
    "Đỗ Thị Lụa",
    "Hồ Ngọc Mai",
    "Ngô Đức Nghĩa",
]


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class CentreFactory(_Base):
    class Meta:
        model = TrainingCentre

    code = factory.Sequence(lambda n: f"TT{n:03d}")
    name = factory.Sequence(lambda n: f"Trung tâm Năng suất Chất lượng số {n}")
    province = "Hà Nội"
    approved_until = date(2030, 12, 31)
    active = True


class UserFactory(_Base):
    class Meta:
        model = User
        exclude = ("password",)

    email = factory.Sequence(lambda n: f"user{n}@example.vn")
    full_name = factory.Sequence(lambda n: f"{NAMES[n % len(NAMES)]} {n}")
    role = Role.OFFICER
    password = TEST_PASSWORD

    @factory.post_generation
    def set_password(obj, create, extracted, **kwargs):
        obj.set_password(TEST_PASSWORD)


class ExpertFactory(_Base):
    class Meta:
        model = Expert

    full_name = factory.Sequence(lambda n: f"{NAMES[n % len(NAMES)]} {n}")
    date_of_birth = factory.Sequence(lambda n: date(1980, 1, 1) + timedelta(days=n))
    email = factory.Sequence(lambda n: f"expert{n}@example.vn")
    organisation = "Công ty CP Cơ khí Hà Nội"
    organisation_type = OrganisationType.ENTERPRISE
    province = "Hà Nội"
    sector = "Cơ khí chế tạo"
    highest_degree = "Kỹ sư"
    years_experience = 8
    consent_scheme_rules = True
    consent_public_listing = True
    status = ExpertStatus.APPLIED


def topic(code="pq_expert_basic"):
    return db.session.scalar(db.select(Topic).where(Topic.code == code))


class CourseFactory(_Base):
    class Meta:
        model = Course

    centre = factory.SubFactory(CentreFactory)
    topic = factory.LazyFunction(topic)
    code = factory.Sequence(lambda n: f"KH-{n:03d}")
    title = "Chương trình đào tạo chuyên gia năng suất chất lượng"
    level = CourseLevel.BASIC
    starts_on = date(2026, 3, 2)
    ends_on = date(2026, 4, 10)
    hours = 120
    capacity = 30
    trainers = "TS. Nguyễn Đình Phan"


class EnrolmentFactory(_Base):
    class Meta:
        model = Enrolment

    course = factory.SubFactory(CourseFactory)
    expert = factory.SubFactory(ExpertFactory)
    attended_hours = 0
    completed = False


class ExamSessionFactory(_Base):
    class Meta:
        model = ExamSession

    centre = factory.SubFactory(CentreFactory)
    held_on = date(2026, 4, 20)
    examiner = factory.SubFactory(
        UserFactory, role=Role.CENTRE_STAFF, centre=factory.SelfAttribute("..centre")
    )
    pass_mark = 70
    max_score = 100


class ExamResultFactory(_Base):
    class Meta:
        model = ExamResult

    session = factory.SubFactory(ExamSessionFactory)
    expert = factory.SubFactory(ExpertFactory)
    score = 80
    recorded_by = factory.SelfAttribute("session.examiner")


# -- Targets, certificates, status history and audit (issue 6) ------------------------------

from datetime import datetime, time  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from registry.certificates.models import Certificate  # noqa: E402
from registry.certificates.service import issue_certificate  # noqa: E402
from registry.enums import CertificateLevel, TargetMetric  # noqa: E402
from registry.experts.models import StatusChange  # noqa: E402
from registry.targets.models import Target  # noqa: E402

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn_time(day, hour=9, minute=0, second=0, microsecond=0):
    """An aware datetime at that Viet Nam wall-clock time."""
    return datetime.combine(day, time(hour, minute, second, microsecond), tzinfo=VN)


class TargetFactory(_Base):
    class Meta:
        model = Target

    key = factory.Sequence(lambda n: f"test_target_{n}")
    label_vi = factory.Sequence(lambda n: f"Chỉ tiêu thử nghiệm {n}")
    label_en = factory.Sequence(lambda n: f"Test target {n}")
    metric = TargetMetric.CERTIFIED
    period_start = date(2026, 1, 1)
    period_end = date(2030, 12, 31)
    target_number = 100


class StatusChangeFactory(_Base):
    """A history row written directly (what the lifecycle service records)."""

    class Meta:
        model = StatusChange

    expert = factory.SubFactory(ExpertFactory)
    from_status = None
    to_status = ExpertStatus.TRAINED
    actor = None
    created_at = factory.LazyFunction(lambda: vn_time(date(2026, 3, 1)))


class CertificateFactory(factory.Factory):
    """A certificate numbered and recorded by the real `issue_certificate`."""

    class Meta:
        model = Certificate

    expert = factory.SubFactory(ExpertFactory)
    level = CertificateLevel.NATIONAL
    issued_on = date(2026, 6, 1)
    actor = None
    replaces = None

    @classmethod
    def _create(cls, model_class, expert, level, issued_on, actor, replaces):
        return issue_certificate(expert, level, actor=actor, issued_on=issued_on, replaces=replaces)


def certify(expert, on, *, actor=None, level=CertificateLevel.NATIONAL, hour=10):
    """The expert's change to the certified level on `on` and the certificate it issues."""
    to_status = {
        CertificateLevel.NATIONAL: ExpertStatus.CERTIFIED,
        CertificateLevel.REGIONAL: ExpertStatus.ACCREDITED_REGIONAL,
        CertificateLevel.INTERNATIONAL: ExpertStatus.ACCREDITED_INTERNATIONAL,
    }[level]
    StatusChangeFactory(
        expert=expert,
        from_status=expert.status,
        to_status=to_status,
        actor=actor,
        created_at=vn_time(on, hour),
    )
    expert.status = to_status
    return CertificateFactory(expert=expert, level=level, issued_on=on, actor=actor)


def withdraw(expert, on, actor=None):
    StatusChangeFactory(
        expert=expert,
        from_status=expert.status,
        to_status=ExpertStatus.WITHDRAWN,
        actor=actor,
        created_at=vn_time(on, 11),
    )
    expert.status = ExpertStatus.WITHDRAWN
    expert.held_level = None
