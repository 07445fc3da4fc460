"""Realistic Vietnamese demo data: centres, accounts, courses, exams, ~40 experts in every state."""

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from registry.audit.service import record_event
from registry.auth.models import User
from registry.centres.models import Course, Enrolment, Topic, TrainingCentre
from registry.certificates.service import issue_certificate
from registry.enums import (
    CERTIFIED_LEVELS,
    CertificateLevel,
    CertificateStatus,
    CourseLevel,
    ExpertStatus,
    OrganisationType,
    Role,
)
from registry.exams.models import ExamResult, ExamSession
from registry.experts.models import Expert, StatusChange
from registry.extensions import db

DEMO_PASSWORD = "demo-nscl-2026"  # noqa: S105  (published demo credentials, development only)

CENTRES = [
    ("HN01", "Trung tâm Đào tạo Năng suất Chất lượng Hà Nội", "Hà Nội"),
    ("HCM01", "Trung tâm Đào tạo Năng suất Chất lượng TP. Hồ Chí Minh", "TP. Hồ Chí Minh"),
    ("DN01", "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Đà Nẵng", "Đà Nẵng"),
    ("CT01", "Trung tâm Năng suất Chất lượng Cần Thơ", "Cần Thơ"),
]

# (email, role, full name, centre code)
DEMO_ACCOUNTS = [
    ("admin@nscl.gov.vn", "admin", "Trần Quốc Bảo", None),
    ("canbo@nscl.gov.vn", "officer", "Lê Thị Minh Châu", None),
    ("canbo2@nscl.gov.vn", "officer", "Phạm Văn Đông", None),
    ("kiemtoan@nscl.gov.vn", "auditor", "Vũ Thị Hồng Nhung", None),
    ("hn01@trungtam.vn", "centre_staff", "Đỗ Mạnh Hùng", "HN01"),
    ("hcm01@trungtam.vn", "centre_staff", "Nguyễn Thị Thanh Tâm", "HCM01"),
    ("dn01@trungtam.vn", "centre_staff", "Hoàng Văn Phúc", "DN01"),
    ("ct01@trungtam.vn", "centre_staff", "Lý Thị Kim Ngân", "CT01"),
    ("chuyengia@example.vn", "expert", "Nguyễn Thị Hương Trà", None),
]

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
]
MIDDLE_F = ["Thị", "Thị Thu", "Ngọc", "Thị Kim", "Thùy", "Thị Mỹ", "Hoài"]
MIDDLE_M = ["Văn", "Đức", "Minh", "Quốc", "Hữu", "Công", "Thành"]
GIVEN_F = ["Hương", "Lan", "Hằng", "Ngân", "Thảo", "Trang", "Yến", "Phương", "Nhung", "Loan"]
GIVEN_M = ["Dũng", "Hùng", "Tuấn", "Khoa", "Long", "Sơn", "Thắng", "Việt", "Đạt", "Quý"]
SECTORS = [
    "Cơ khí chế tạo",
    "Chế biến thực phẩm",
    "Dệt may",
    "Điện tử",
    "Nông nghiệp",
    "Xây dựng",
    "Logistics",
    "Y tế",
    "Hành chính công",
    "Năng lượng",
]
ORGANISATIONS = [
    ("Bộ Khoa học và Công nghệ", OrganisationType.MINISTRY),
    ("Bộ Công Thương", OrganisationType.MINISTRY),
    ("Cục Sở hữu trí tuệ", OrganisationType.AGENCY),
    ("Sở Khoa học và Công nghệ {province}", OrganisationType.PROVINCE),
    ("UBND tỉnh {province}", OrganisationType.PROVINCE),
    ("Công ty CP Cơ khí {province}", OrganisationType.ENTERPRISE),
    ("Công ty TNHH Thực phẩm Sạch {province}", OrganisationType.ENTERPRISE),
    ("Tổng công ty May Việt Tiến", OrganisationType.ENTERPRISE),
    ("Công ty TNHH Tư vấn Năng suất Xanh", OrganisationType.CONSULTANCY),
    ("Trường Đại học Bách khoa", OrganisationType.UNIVERSITY),
]
DEGREES = ["Cử nhân", "Kỹ sư", "Thạc sĩ", "Tiến sĩ"]
EXTRA_PROVINCES = ["Hải Phòng", "Bắc Ninh", "Thừa Thiên Huế", "Bình Dương", "Đồng Nai", "Nghệ An"]

# How many demo experts end in each state.
STATE_PLAN = [
    (ExpertStatus.APPLIED, 8),
    (ExpertStatus.REJECTED, 3),
    (ExpertStatus.TRAINED, 7),
    (ExpertStatus.CERTIFIED, 10),
    (ExpertStatus.ACCREDITED_REGIONAL, 4),
    (ExpertStatus.ACCREDITED_INTERNATIONAL, 2),
    (ExpertStatus.SUSPENDED, 2),
    (ExpertStatus.WITHDRAWN, 2),
    (ExpertStatus.EXPIRED, 2),
]

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _at(day, hour=9):
    return datetime.combine(day, time(hour), tzinfo=LOCAL_TZ)


class _Seeder:
    def __init__(self):
        self.rng = random.Random(1322)  # noqa: S311  (reproducible demo data)
        self.users = {}
        self.centres = {}
        self.certificates = 0
        self.expert_programme = db.session.scalar(
            sa.select(Topic).where(Topic.code == "pq_expert_basic")
        )

    def accounts(self):
        for code, name, province in CENTRES:
            centre = TrainingCentre(
                code=code,
                name=name,
                province=province,
                approved_until=date(2028, 12, 31),
                active=True,
            )
            db.session.add(centre)
            self.centres[code] = centre
        db.session.flush()
        for email, role, name, centre_code in DEMO_ACCOUNTS:
            user = User(
                email=email, role=Role(role), full_name=name, centre=self.centres.get(centre_code)
            )
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            self.users[email] = user
        db.session.flush()

    def courses(self):
        """Two runs of the expert programme per centre, and an exam after each."""
        self.runs = {}
        for code, centre in self.centres.items():
            staff = next(u for u in self.users.values() if u.centre is centre)
            runs = []
            for year, month in ((2022, 3), (2025, 4), (2026, 3)):
                starts = date(year, month, 2)
                course = Course(
                    centre=centre,
                    topic=self.expert_programme,
                    code=f"CG-{code}-{year}",
                    title=f"Chương trình đào tạo chuyên gia năng suất chất lượng {year}",
                    level=CourseLevel.BASIC,
                    starts_on=starts,
                    ends_on=starts + timedelta(days=40),
                    hours=120,
                    capacity=30,
                    trainers="TS. Nguyễn Đình Phan; ThS. Lê Thu Hà",
                    created_by_id=staff.id,
                )
                session = ExamSession(
                    centre=centre,
                    course=course,
                    held_on=course.ends_on + timedelta(days=10),
                    examiner=staff,
                    pass_mark=70,
                    max_score=100,
                    created_by_id=staff.id,
                )
                db.session.add_all([course, session])
                runs.append((course, session, staff))
            self.runs[code] = runs
        db.session.flush()

    def experts(self):
        expert_user = self.users["chuyengia@example.vn"]
        officer = self.users["canbo@nscl.gov.vn"]
        count = 0
        for status, how_many in STATE_PLAN:
            for _ in range(how_many):
                centre_code = CENTRES[count % len(CENTRES)][0]
                expert = self._person(count, centre_code)
                if status == ExpertStatus.CERTIFIED and expert_user is not None:
                    # The demo expert account holds the first certified record.
                    expert.user = expert_user
                    expert.full_name = expert_user.full_name
                    expert.email = expert_user.email
                    expert_user = None
                self._walk(expert, status, centre_code, officer)
                count += 1
        return count

    def _person(self, index, centre_code):
        rng = self.rng
        female = index % 2 == 0
        name = " ".join(
            [
                rng.choice(FAMILY),
                rng.choice(MIDDLE_F if female else MIDDLE_M),
                rng.choice(GIVEN_F if female else GIVEN_M),
            ]
        )
        province = rng.choice([self.centres[centre_code].province, *EXTRA_PROVINCES])
        organisation, org_type = rng.choice(ORGANISATIONS)
        return Expert(
            full_name=name,
            date_of_birth=date(rng.randint(1965, 1995), rng.randint(1, 12), rng.randint(1, 28)),
            email=f"chuyengia{index + 1:02d}@example.vn",
            organisation=organisation.format(province=province),
            organisation_type=org_type,
            province=province,
            sector=rng.choice(SECTORS),
            highest_degree=rng.choice(DEGREES),
            years_experience=rng.randint(3, 25),
            consent_scheme_rules=True,
            consent_public_listing=rng.random() < 0.8,
            status=ExpertStatus.APPLIED,
        )

    def _walk(self, expert, final, centre_code, officer):
        old = final in (ExpertStatus.EXPIRED,)
        recent = final in (ExpertStatus.APPLIED, ExpertStatus.TRAINED, ExpertStatus.REJECTED)
        course, session, staff = self.runs[centre_code][0 if old else (2 if recent else 1)]
        applied_on = course.starts_on - timedelta(days=30)
        expert.created_at = _at(applied_on)
        db.session.add(expert)
        db.session.flush()
        self._change(
            expert, None, ExpertStatus.APPLIED, _at(applied_on), expert.user, "Nộp hồ sơ đăng ký"
        )
        if final == ExpertStatus.APPLIED:
            return
        if final == ExpertStatus.REJECTED:
            self._change(
                expert,
                ExpertStatus.APPLIED,
                final,
                _at(applied_on + timedelta(days=14)),
                officer,
                "Chưa đủ số năm kinh nghiệm theo TCVN 13751:2023",
            )
            return
        db.session.add(
            Enrolment(
                course=course,
                expert=expert,
                attended_hours=self.rng.randint(100, 120),
                completed=True,
                completed_on=course.ends_on,
                completion_recorded_by_id=staff.id,
            )
        )
        self._change(
            expert,
            ExpertStatus.APPLIED,
            ExpertStatus.TRAINED,
            _at(course.ends_on, 16),
            staff,
            "Hoàn thành chương trình đào tạo chuyên gia",
        )
        if final == ExpertStatus.TRAINED:
            return
        db.session.add(
            ExamResult(
                session=session,
                expert=expert,
                score=self.rng.randint(72, 96),
                recorded_by_id=staff.id,
                recorded_at=_at(session.held_on, 17),
            )
        )
        decided_on = session.held_on + timedelta(days=20)
        self._change(
            expert,
            ExpertStatus.TRAINED,
            ExpertStatus.CERTIFIED,
            _at(decided_on),
            officer,
            "Đạt kỳ thi đánh giá, đủ điều kiện chứng nhận",
        )
        national = self._issue(expert, CertificateLevel.NATIONAL, decided_on, officer)
        if final in (ExpertStatus.ACCREDITED_REGIONAL, ExpertStatus.ACCREDITED_INTERNATIONAL):
            on = decided_on + timedelta(days=120)
            evidence = {
                "reference": f"APO-CPE-{on.year}-{expert.id:03d}",
                "issuing_body": "Asian Productivity Organization",
                "issued_on": on.isoformat(),
            }
            self._change(
                expert,
                ExpertStatus.CERTIFIED,
                ExpertStatus.ACCREDITED_REGIONAL,
                _at(on),
                officer,
                "Được APO công nhận chuyên gia khu vực",
                evidence,
            )
            self._issue(expert, CertificateLevel.REGIONAL, on, officer)
        if final == ExpertStatus.ACCREDITED_INTERNATIONAL:
            on = decided_on + timedelta(days=200)
            evidence = {
                "reference": f"WCPI-{on.year}-{expert.id:03d}",
                "issuing_body": "World Confederation of Productivity Science",
                "issued_on": on.isoformat(),
            }
            self._change(
                expert,
                ExpertStatus.ACCREDITED_REGIONAL,
                final,
                _at(on),
                officer,
                "Được công nhận chuyên gia quốc tế",
                evidence,
            )
            self._issue(expert, CertificateLevel.INTERNATIONAL, on, officer)
        if final == ExpertStatus.SUSPENDED:
            self._change(
                expert,
                ExpertStatus.CERTIFIED,
                final,
                _at(decided_on + timedelta(days=90)),
                officer,
                "Khiếu nại của khách hàng đang được xem xét",
                {"review_on": (decided_on + timedelta(days=180)).isoformat()},
            )
            national.status = CertificateStatus.SUSPENDED
            national.status_reason = "Khiếu nại của khách hàng đang được xem xét"
        elif final == ExpertStatus.WITHDRAWN:
            self._change(
                expert,
                ExpertStatus.CERTIFIED,
                final,
                _at(decided_on + timedelta(days=60)),
                officer,
                "Vi phạm quy tắc đạo đức nghề nghiệp",
            )
            national.status = CertificateStatus.WITHDRAWN
            national.status_reason = "Vi phạm quy tắc đạo đức nghề nghiệp"
        elif final == ExpertStatus.EXPIRED:
            self._change(
                expert,
                ExpertStatus.CERTIFIED,
                final,
                _at(national.valid_until, 1),
                None,
                "Hết thời hạn hiệu lực chứng chỉ",
            )
            national.status = CertificateStatus.EXPIRED

    def _change(self, expert, from_status, to_status, when, actor, reason, evidence=None):
        if to_status in (ExpertStatus.SUSPENDED, ExpertStatus.EXPIRED):
            expert.held_level = from_status
        elif to_status in CERTIFIED_LEVELS or to_status == ExpertStatus.WITHDRAWN:
            expert.held_level = None
        expert.status = to_status
        expert.status_changed_at = when
        if from_status is not None:
            expert.version += 1
        db.session.add(
            StatusChange(
                expert=expert,
                from_status=from_status,
                to_status=to_status,
                actor_id=actor.id if actor else None,
                reason=reason,
                evidence=evidence,
                created_at=when,
            )
        )

    def _issue(self, expert, level, issued_on, officer):
        certificate = issue_certificate(expert, level, actor=officer, issued_on=issued_on)
        certificate.created_at = _at(issued_on)
        self.certificates += 1
        return certificate


def seed_demo():
    """Fill an empty registry with demo data (flushed; the caller commits)."""
    seeder = _Seeder()
    seeder.accounts()
    seeder.courses()
    experts = seeder.experts()
    db.session.flush()
    summary = {
        "centres": len(seeder.centres),
        "experts": experts,
        "certificates": seeder.certificates,
        "accounts": len(seeder.users),
    }
    record_event("demo.seeded", object_type="registry", details=summary)
    return summary
