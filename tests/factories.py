"""Builders for tests (factory_boy). Each commits nothing; the caller commits when needed."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import factory
from factory.alchemy import SQLAlchemyModelFactory

from registry.centres.models import Course, Enrolment, Topic, TrainingCentre
from registry.enums import CourseLevel, ExpertStatus, OrganisationType, Role
from registry.exams.models import ExamResult, ExamSession
from registry.experts.models import CpdRecord, Expert
from registry.extensions import db
from registry.models import User
from registry.targets.counting import today

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
    # A session always belongs to a course of its centre: only its roster is examined.
    course = factory.SubFactory(CourseFactory, centre=factory.SelfAttribute("..centre"))
    pass_mark = 70
    max_score = 100


class ExamResultFactory(_Base):
    class Meta:
        model = ExamResult

    session = factory.SubFactory(ExamSessionFactory)
    expert = factory.SubFactory(ExpertFactory)
    score = 80
    recorded_by = factory.SelfAttribute("session.examiner")


# --- Training centres at work (issue 3): staff, and spreadsheets to import -------------


def staff_of(centre, **kwargs):
    """A staff account of `centre`."""
    return UserFactory(role=Role.CENTRE_STAFF, centre=centre, **kwargs)


def csv_file(header, rows, *, delimiter=",", encoding="utf-8", bom=False):
    """The bytes of a CSV file as a spreadsheet program would save it."""
    import csv
    import io

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return ("\ufeff".encode(encoding) if bom and encoding == "utf-8" else b"") + data


def xlsx_file(header, rows):
    """The bytes of an XLSX workbook with one sheet holding `header` and `rows`."""
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def bulk_experts(count, *, prefix="hocvien", status=ExpertStatus.APPLIED, course=None):
    """Insert `count` experts in one statement (fast), enrolled in `course` if given;
    returns their emails in order.

    Names are those a centre would type, e.g. "Nguyễn Văn An 7"; emails prefix<i>@example.vn.
    """
    from registry.text import search_key

    rows = []
    for i in range(count):
        name = f"{NAMES[i % len(NAMES)]} {i}"
        rows.append(
            {
                "full_name": name,
                "name_key": search_key(name),
                "date_of_birth": date(1970, 1, 1) + timedelta(days=i),
                "email": f"{prefix}{i}@example.vn",
                "organisation": "Công ty CP Cơ khí Hà Nội",
                "organisation_type": OrganisationType.ENTERPRISE,
                "province": "Hà Nội",
                "sector": "Cơ khí chế tạo",
                "highest_degree": "Kỹ sư",
                "years_experience": 5,
                "consent_scheme_rules": True,
                "consent_public_listing": False,
                "status": status,
                "version": 1,
            }
        )
    if rows:
        db.session.execute(db.insert(Expert), rows)
    if rows and course is not None:
        ids = db.session.scalars(
            db.select(Expert.id).where(Expert.email.in_([row["email"] for row in rows]))
        ).all()
        db.session.execute(
            db.insert(Enrolment),
            [{"course_id": course.id, "expert_id": i, "attended_hours": 0} for i in ids],
        )
    return [row["email"] for row in rows]


def examinee(exam_session, **kwargs):
    """An expert enrolled in the session's course: someone its examiner may mark."""
    expert = ExpertFactory(**kwargs)
    EnrolmentFactory(course=exam_session.course, expert=expert)
    return expert


# --- lifecycle builders: records in a given state, reached through the real service ---------


class CpdRecordFactory(_Base):
    class Meta:
        model = CpdRecord

    expert = factory.SubFactory(ExpertFactory)
    activity = "Hội thảo năng suất xanh"
    hours = 20
    completed_on = date(2026, 6, 1)


def completed_enrolment(
    expert, *, centre=None, staff=None, attended_hours=110, topic_code=None, ends_on=None
):
    """A completed enrolment in the expert programme, recorded by staff of the centre."""
    centre = centre or CentreFactory()
    staff = staff or UserFactory(role=Role.CENTRE_STAFF, centre=centre)
    dates = {}
    if ends_on is not None:
        dates = {"starts_on": ends_on - timedelta(days=40), "ends_on": ends_on}
    course = CourseFactory(centre=centre, topic=topic(topic_code or "pq_expert_basic"), **dates)
    return EnrolmentFactory(
        course=course,
        expert=expert,
        attended_hours=attended_hours,
        completed=True,
        completed_on=course.ends_on,
        completion_recorded_by_id=staff.id,
    )


def passing_exam(expert, *, centre, examiner=None, held_on=date(2026, 4, 20), score=80):
    extra = {"examiner": examiner} if examiner is not None else {}
    session = ExamSessionFactory(centre=centre, held_on=held_on, **extra)
    return ExamResultFactory(session=session, expert=expert, score=score)


def local_moment(day, hour=10):
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


class Walk:
    """Officer and centre staff who take an expert along the lifecycle through the service.

    With `certified_on`, training, exam and certification happen around that past date.
    """

    def __init__(self):
        self.centre = CentreFactory()
        self.staff = UserFactory(role=Role.CENTRE_STAFF, centre=self.centre)
        self.officer = UserFactory(role=Role.OFFICER)

    def trained(self, expert=None, certified_on=None, **kwargs):
        from registry.experts.lifecycle import transition

        expert = expert or ExpertFactory(**kwargs)
        ends_on = certified_on - timedelta(days=30) if certified_on else None
        enrolment = completed_enrolment(
            expert, centre=self.centre, staff=self.staff, ends_on=ends_on
        )
        at = local_moment(ends_on, 16) if ends_on else None
        transition(expert, ExpertStatus.TRAINED, actor=self.staff, at=at)
        return expert, enrolment

    def certified(self, expert=None, certified_on=None, **kwargs):
        from registry.experts.lifecycle import transition

        expert, _enrolment = self.trained(expert, certified_on, **kwargs)
        held_on = certified_on - timedelta(days=20) if certified_on else date(2026, 4, 20)
        passing_exam(expert, centre=self.centre, examiner=self.staff, held_on=held_on)
        at = local_moment(certified_on) if certified_on else None
        transition(expert, ExpertStatus.CERTIFIED, actor=self.officer, at=at)
        return expert

    def to(self, status, certified_on=None, **kwargs):
        """An expert in `status`; suspended and expired ones held `certified`."""
        from registry.experts.lifecycle import transition

        status = ExpertStatus(status)
        if status == ExpertStatus.APPLIED:
            return ExpertFactory(**kwargs)
        if status == ExpertStatus.REJECTED:
            expert = ExpertFactory(**kwargs)
            transition(expert, status, actor=self.officer, reason="Hồ sơ chưa đủ")
            return expert
        if status == ExpertStatus.TRAINED:
            return self.trained(**kwargs)[0]
        if status == ExpertStatus.EXPIRED and certified_on is None:
            certified_on = today() - timedelta(days=4 * 365)
        expert = self.certified(certified_on=certified_on, **kwargs)
        if status in (ExpertStatus.ACCREDITED_REGIONAL, ExpertStatus.ACCREDITED_INTERNATIONAL):
            evidence = {"reference": "APO-1", "issuing_body": "APO", "issued_on": "2026-05-01"}
            transition(expert, status, actor=self.officer, evidence=evidence)
        elif status == ExpertStatus.SUSPENDED:
            evidence = {"review_on": "2099-01-01", "reason_code": "under_review_after_complaint"}
            transition(expert, status, actor=self.officer, reason="Khiếu nại", evidence=evidence)
        elif status == ExpertStatus.WITHDRAWN:
            evidence = {"reason_code": "code_of_conduct_breach"}
            transition(expert, status, actor=self.officer, reason="Vi phạm", evidence=evidence)
        elif status == ExpertStatus.EXPIRED:
            transition(expert, status, actor=None)
        return expert


# -- Targets, certificates, status history and audit (issue 6) ------------------------------


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


def api_token_for(user, name="tests"):
    """A new API token for `user` (flushed, not committed); returns the plaintext."""
    from registry.api.tokens import create_token

    _token, plaintext = create_token(user, name, actor=user)
    return plaintext


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


def production_signing_files(directory):
    """The signing files production requires: {setting: path} of a new Ed25519 key and a
    self-signed PKCS#12 certificate, written into `directory`."""
    from registry.certificates.signing import self_signed_p12
    from registry.credentials.keys import write_key_file

    key, p12 = directory / "signing.pem", directory / "pdf-signing.p12"
    write_key_file(key)
    p12.write_bytes(self_signed_p12("Test"))
    return {"REGISTRY_SIGNING_KEY_FILE": str(key), "REGISTRY_PDF_SIGNING_P12": str(p12)}
