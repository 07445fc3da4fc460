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


def issued_certificate(expert=None, *, level=None, actor=None, issued_on=None, **expert_kwargs):
    """A certified expert (built unless given) and a certificate issued the real way."""
    from registry.certificates.service import issue_certificate
    from registry.enums import CertificateLevel

    if expert is None:
        expert_kwargs.setdefault("status", ExpertStatus.CERTIFIED)
        expert = ExpertFactory(**expert_kwargs)
    actor = actor or UserFactory(role=Role.OFFICER)
    return issue_certificate(
        expert, level or CertificateLevel.NATIONAL, actor=actor, issued_on=issued_on
    )
