"""Realistic Vietnamese demo data: centres, accounts, courses, exams, ~40 experts in every state."""

import io
import random
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from registry.audit.service import record_event
from registry.auth.models import User
from registry.cases import appeals, complaints
from registry.centres import import_jobs
from registry.centres.models import Course, Enrolment, Topic, TrainingCentre
from registry.certificates import jobs
from registry.certificates.models import Certificate
from registry.clock import LOCAL_TZ, today
from registry.enums import CertificateLevel, CourseLevel, ExpertStatus, OrganisationType, Role
from registry.exams.corrections import request_correction
from registry.exams.imports import COLUMNS as RESULT_COLUMNS
from registry.exams.models import ExamResult, ExamSession
from registry.exams.service import decisions_relying_on
from registry.experts import guards
from registry.experts.accreditation import decide_accreditation, submit_accreditation
from registry.experts.applications import request_name_change
from registry.experts.invitations import claim_record
from registry.experts.lifecycle import apply, transition
from registry.experts.models import Expert
from registry.experts.renewal import decide_cpd, record_cpd
from registry.extensions import db
from registry.sectors import offered_sectors

DEMO_PASSWORD = "demo-nscl-2026"  # noqa: S105  (published demo credentials, development only)

CENTRES = [
    ("HN01", "Trung tâm Đào tạo Năng suất Chất lượng Hà Nội", "Hà Nội"),
    ("HCM01", "Trung tâm Đào tạo Năng suất Chất lượng TP. Hồ Chí Minh", "Hồ Chí Minh"),
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
    ("chuyengia2@example.vn", "expert", "Trần Minh Khoa", None),
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
# Units in force since the 2025 merger (registry/provinces.py), as the forms offer them.
EXTRA_PROVINCES = ["Hải Phòng", "Bắc Ninh", "Huế", "Quảng Ninh", "Đồng Nai", "Nghệ An"]

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


def _at(day, hour=9):
    return datetime.combine(day, time(hour), tzinfo=LOCAL_TZ)


def _exam_result(session, expert, score, examiner):
    """A result recorded by the session's examiner at 17:00 on the day of the exam."""
    return ExamResult(
        session=session,
        expert=expert,
        score=score,
        recorded_by_id=examiner.id,
        recorded_at=_at(session.held_on, 17),
    )


class _Seeder:
    def __init__(self):
        self.rng = random.Random(1322)  # noqa: S311  (reproducible demo data)
        self.users = {}
        self.centres = {}
        self.sectors = [sector.name for sector in offered_sectors()]  # the migration's
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
        # The demo expert accounts hold the first two certified records; the second
        # was renewed after three years of CPD.
        own_accounts = [self.users["chuyengia@example.vn"], self.users["chuyengia2@example.vn"]]
        officer = self.users["canbo@nscl.gov.vn"]
        count = 0
        for status, how_many in STATE_PLAN:
            for index in range(how_many):
                centre_code = CENTRES[count % len(CENTRES)][0]
                profile = self._person(count, centre_code)
                actor = officer  # applying on the person's behalf
                if status == ExpertStatus.CERTIFIED and index < len(own_accounts):
                    actor = own_accounts[index]
                    profile.update(full_name=actor.full_name, email=actor.email)
                renewed = status == ExpertStatus.CERTIFIED and index == 1
                # Half of the certified and regional experts come from this year's cohort,
                # so that the 2026-2030 targets show progress too.
                this_year = status in (
                    ExpertStatus.CERTIFIED,
                    ExpertStatus.ACCREDITED_REGIONAL,
                ) and index >= max(2, how_many // 2)
                self._walk(
                    profile,
                    status,
                    centre_code,
                    actor,
                    officer,
                    renewed=renewed,
                    this_year=this_year,
                )
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
        return {
            "full_name": name,
            "date_of_birth": date(rng.randint(1965, 1995), rng.randint(1, 12), rng.randint(1, 28)),
            "email": f"chuyengia{index + 1:02d}@example.vn",
            "organisation": organisation.format(province=province),
            "organisation_type": org_type,
            "province": province,
            "sector": rng.choice(self.sectors),
            "highest_degree": rng.choice(DEGREES),
            "years_experience": rng.randint(3, 25),
            "consent_scheme_rules": True,
            "consent_public_listing": rng.random() < 0.8,
        }

    def _walk(self, profile, final, centre_code, applicant, officer, renewed, this_year):
        """Take one person from application to `final` through the lifecycle service."""
        old = final == ExpertStatus.EXPIRED or renewed
        recent = this_year or final in (
            ExpertStatus.APPLIED,
            ExpertStatus.TRAINED,
            ExpertStatus.REJECTED,
        )
        course, session, staff = self.runs[centre_code][0 if old else (2 if recent else 1)]
        applied_on = course.starts_on - timedelta(days=30)
        expert = apply(profile, actor=applicant, at=_at(applied_on)).expert
        if final == ExpertStatus.APPLIED:
            return expert
        if final == ExpertStatus.REJECTED:
            transition(
                expert,
                final,
                actor=officer,
                reason="Chưa đủ số năm kinh nghiệm theo TCVN 13751:2023",
                at=_at(applied_on + timedelta(days=14)),
            )
            return expert
        enrolment = Enrolment(
            course=course,
            expert=expert,
            attended_hours=self.rng.randint(100, 120),
            completed=True,
            completed_on=course.ends_on,
            completion_recorded_by_id=staff.id,
        )
        db.session.add(enrolment)
        db.session.flush()
        transition(
            expert,
            ExpertStatus.TRAINED,
            actor=staff,
            reason="Hoàn thành chương trình đào tạo chuyên gia",
            evidence={"enrolment_id": enrolment.id},
            at=_at(course.ends_on, 16),
        )
        if final == ExpertStatus.TRAINED:
            return expert
        db.session.add(_exam_result(session, expert, self.rng.randint(72, 96), staff))
        decided_on = session.held_on + timedelta(days=20)
        transition(
            expert,
            ExpertStatus.CERTIFIED,
            actor=officer,
            reason="Đạt kỳ thi đánh giá, đủ điều kiện chứng nhận",
            at=_at(decided_on),
        )
        if renewed:
            self._renew_with_cpd(expert, decided_on, officer)
        self._beyond_certified(expert, final, decided_on, officer)
        return expert

    def _beyond_certified(self, expert, final, decided_on, officer):
        if final in (ExpertStatus.ACCREDITED_REGIONAL, ExpertStatus.ACCREDITED_INTERNATIONAL):
            on = decided_on + timedelta(days=120)
            evidence = {
                "reference": f"APO-CPE-{on.year}-{expert.id:03d}",
                "issuing_body": "Asian Productivity Organization",
                "issued_on": on.isoformat(),
            }
            transition(
                expert,
                ExpertStatus.ACCREDITED_REGIONAL,
                actor=officer,
                reason="Được APO công nhận chuyên gia khu vực",
                evidence=evidence,
                at=_at(on),
            )
        if final == ExpertStatus.ACCREDITED_INTERNATIONAL:
            on = decided_on + timedelta(days=200)
            evidence = {
                "reference": f"WCPI-{on.year}-{expert.id:03d}",
                "issuing_body": "World Confederation of Productivity Science",
                "issued_on": on.isoformat(),
            }
            transition(
                expert,
                final,
                actor=officer,
                reason="Được công nhận chuyên gia quốc tế",
                evidence=evidence,
                at=_at(on),
            )
        if final == ExpertStatus.SUSPENDED:
            transition(
                expert,
                final,
                actor=officer,
                reason="Khiếu nại của khách hàng đang được xem xét",
                evidence={
                    "review_on": (decided_on + timedelta(days=180)).isoformat(),
                    "reason_code": "under_review_after_complaint",
                },
                at=_at(decided_on + timedelta(days=90)),
            )
        elif final == ExpertStatus.WITHDRAWN:
            transition(
                expert,
                final,
                actor=officer,
                reason="Vi phạm quy tắc đạo đức nghề nghiệp",
                evidence={"reason_code": "code_of_conduct_breach"},
                at=_at(decided_on + timedelta(days=60)),
            )
        elif final == ExpertStatus.EXPIRED:
            lapsed_on = guards.level_certificate(expert, expert.status).valid_until
            transition(expert, final, actor=None, at=_at(lapsed_on + timedelta(days=1), 1))

    def _renew_with_cpd(self, expert, certified_on, officer):
        """Three years of CPD, confirmed by an officer, then a renewal before expiry."""
        for year, activity in enumerate(CPD_ACTIVITIES, start=1):
            record = record_cpd(
                expert,
                activity=activity,
                hours=24,
                completed_on=certified_on + timedelta(days=300 * year),
                actor=expert.user,
            )
            decide_cpd(record, approve=True, actor=officer)
        transition(
            expert,
            ExpertStatus.CERTIFIED,
            actor=officer,
            reason="Gia hạn: đủ giờ phát triển chuyên môn liên tục",
            at=_at(certified_on + timedelta(days=3 * 365 - 20)),
        )

    def requests(self):
        """Work for the directorate's queues: CPD to confirm, a name correction, evidence."""
        officer = self.users["canbo@nscl.gov.vn"]
        certified = db.session.scalars(
            sa.select(Expert).where(Expert.status == ExpertStatus.CERTIFIED).order_by(Expert.id)
        ).all()
        # Exam results for the latest cohort: three passed (ready for a decision), one failed.
        trained = db.session.scalars(
            sa.select(Expert).where(Expert.status == ExpertStatus.TRAINED).order_by(Expert.id)
        ).all()
        for expert, score in zip(trained, (88, 79, 91, 55), strict=False):
            enrolment = guards.training_enrolment(expert)
            _course, session, staff = next(
                run for run in self.runs[enrolment.course.centre.code] if run[0] is enrolment.course
            )
            db.session.add(_exam_result(session, expert, score, staff))
        self._result_correction()
        own = certified[0]
        for day, activity in zip(
            (date(2026, 6, 12), date(2026, 9, 15)), CPD_ACTIVITIES, strict=False
        ):
            record_cpd(own, activity=activity, hours=16, completed_on=day, actor=own.user)
        request_name_change(
            certified[5],
            new_name=f"{certified[5].full_name} Anh",
            reason="Bổ sung tên theo căn cước công dân",
            actor=officer,
        )
        _ask_regional_accreditation(certified[6], "APO-CPE-2026-118", date(2026, 10, 1), officer)

    def _result_correction(self):
        """A frozen HN01 result whose examiner asks for a correction: waits for an officer
        who did not take the decision that relied on it (canbo2)."""
        staff = self.users["hn01@trungtam.vn"]
        results = db.session.scalars(
            sa.select(ExamResult)
            .join(ExamSession, ExamSession.id == ExamResult.session_id)
            .where(ExamSession.examiner_id == staff.id)
            .order_by(ExamResult.id)
        ).all()
        relied = decisions_relying_on(results)
        result = next(r for r in results if r.id in relied)
        request_correction(
            result,
            result.score - 2,
            "Chấm phúc khảo: câu 7 bị cộng nhầm 2 điểm",
            actor=staff,
        )


CPD_ACTIVITIES = [
    "Hội thảo quốc gia về năng suất xanh",
    "Tư vấn cải tiến Kaizen tại doanh nghiệp",
    "Khóa bồi dưỡng TPM nâng cao",
]
# A minimal valid PDF standing in for a scanned APO certificate in the demo.
DEMO_EVIDENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _ask_regional_accreditation(expert, reference, issued_on, actor):
    """A request for the regional level on an APO certificate, its scan attached."""
    return submit_accreditation(
        expert,
        level=CertificateLevel.REGIONAL,
        reference=reference,
        issuing_body="Asian Productivity Organization",
        issued_on=issued_on,
        document=io.BytesIO(DEMO_EVIDENCE_PDF),
        filename=f"{reference}.pdf",
        actor=actor,
    )


def seed_demo():
    """Fill an empty registry with demo data (flushed; the caller commits). The background
    jobs at the end commit as the worker does, with everything before them."""
    seeder = _Seeder()
    seeder.accounts()
    seeder.courses()
    experts = seeder.experts()
    seeder.requests()
    seed_cases_and_jobs(seeder.users)
    db.session.flush()
    summary = {
        "centres": len(seeder.centres),
        "experts": experts,
        "certificates": db.session.scalar(sa.select(sa.func.count(Certificate.id))),
        "accounts": len(seeder.users),
    }
    record_event("demo.seeded", object_type="registry", details=summary)
    return summary


# The demo expert whose certification was suspended after a complaint and who appealed
# (the third certified demo record; it is claimed through the invitation's public function).
DEMO_APPELLANT = "chuyengia21@example.vn"


def seed_cases_and_jobs(users):
    """Cases and background jobs, so that their pages have something to show.

    - a company's complaint about DEMO_APPELLANT, confirmed, acknowledged and assigned to
      the first officer (who has yet to decide it);
    - the second officer suspended them meanwhile, and they appealed (received): the
      first officer, who took no part, acknowledges it; their refused accreditation request
      is open to appeal (for the appeal period after seeding: these decisions are today's);
    - HN01's examiner imported a results file in the background (done);
    - one certification decided without rendering the certificate, which a batch job
      then issued (finished).

    The jobs run as the worker runs them, committing on the way."""
    _complaint_suspension_and_appeal(users)
    _background_results_import(users["hn01@trungtam.vn"])
    _batch_issued_certificate(users["canbo@nscl.gov.vn"])


def _complaint_suspension_and_appeal(users):
    officer, second_officer = users["canbo@nscl.gov.vn"], users["canbo2@nscl.gov.vn"]
    expert = db.session.scalar(sa.select(Expert).where(Expert.email == DEMO_APPELLANT))
    assert expert is not None and expert.status == ExpertStatus.CERTIFIED, DEMO_APPELLANT
    user = claim_record(expert, DEMO_PASSWORD)

    request = _ask_regional_accreditation(expert, "APO-CPE-2026-131", date(2026, 9, 20), user)
    decide_accreditation(
        request,
        approve=False,
        actor=second_officer,
        reason="Bản chụp giấy chứng nhận không đọc được số hiệu; đề nghị nộp bản rõ hơn.",
    )

    number = guards.level_certificate(expert, expert.status).number
    complaint = complaints.file_complaint(
        subject="expert",
        reference=number,
        contact_name="Ngô Thị Bích Liên",
        contact_email="phongnhansu@maynamdinh.vn",
        grounds=(
            "Chuyên gia tư vấn 5S cho công ty chúng tôi từ tháng 7 đến tháng 9/2026 nhưng "
            "không đến các buổi đánh giá đã hẹn.\nBáo cáo cuối kỳ sao chép báo cáo của "
            "một doanh nghiệp khác."
        ),
    )
    complaints.confirm(complaints.confirmation_token(complaint))
    appeals.acknowledge(complaint, actor=officer)
    appeals.assign(complaint, officer, actor=officer)

    suspension = transition(
        expert,
        ExpertStatus.SUSPENDED,
        actor=second_officer,
        reason="Tạm đình chỉ trong thời gian xác minh khiếu nại của doanh nghiệp",
        evidence={
            "review_on": (today() + timedelta(days=90)).isoformat(),
            "reason_code": "under_review_after_complaint",
        },
    ).change
    appeals.file_appeal(
        expert,
        suspension,
        actor=user,
        grounds=(
            "Tôi đã tham dự đủ các buổi đánh giá (có biên bản ký của công ty).\n"
            "Đề nghị khôi phục chứng chỉ trong khi khiếu nại được xác minh."
        ),
    )


def _background_results_import(examiner):
    """A results file of HN01's latest session, imported by the worker."""
    centre = examiner.centre
    waiting = db.session.scalars(
        sa.select(Expert)
        .join(Enrolment, Enrolment.expert_id == Expert.id)
        .join(Course, Course.id == Enrolment.course_id)
        .where(
            Expert.status == ExpertStatus.TRAINED,
            Course.centre_id == centre.id,
            ~sa.exists().where(ExamResult.expert_id == Expert.id),
        )
        .order_by(Expert.id)
    ).all()
    assert waiting, "the demo has no HN01 candidate waiting for a result"
    course = guards.training_enrolment(waiting[0]).course
    session = db.session.scalar(sa.select(ExamSession).where(ExamSession.course_id == course.id))
    lines = [",".join(column.header for column in RESULT_COLUMNS)]
    lines += [
        f"{e.email},{e.full_name},{score}" for e, score in zip(waiting, (84, 77, 90), strict=False)
    ]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    job = import_jobs.start_job(
        import_jobs.RESULTS,
        centre=centre,
        data=data,
        filename=f"ket-qua-thi-{course.code}.csv",
        rows=len(lines) - 1,
        actor=examiner,
        exam_session=session,
    )
    import_jobs.run_job(job.id)


def _batch_issued_certificate(officer):
    """The last candidate ready for a decision is certified with rendering deferred (as for
    a large cohort); a batch job for their course then renders and archives the PDF."""
    expert = db.session.scalar(
        sa.select(Expert)
        .join(ExamResult, ExamResult.expert_id == Expert.id)
        .join(ExamSession, ExamSession.id == ExamResult.session_id)
        .where(
            Expert.status == ExpertStatus.TRAINED,
            ExamResult.score >= ExamSession.pass_mark,
        )
        .order_by(Expert.id.desc())
    )
    assert expert is not None, "the demo has no candidate ready for a decision"
    config = current_app.config
    render_at_issue = config["REGISTRY_CERTIFICATES_RENDER_AT_ISSUE"]
    config["REGISTRY_CERTIFICATES_RENDER_AT_ISSUE"] = False
    try:
        transition(
            expert,
            ExpertStatus.CERTIFIED,
            actor=officer,
            reason="Đạt kỳ thi đánh giá, đủ điều kiện chứng nhận",
        )
    finally:
        config["REGISTRY_CERTIFICATES_RENDER_AT_ISSUE"] = render_at_issue
    course_code = guards.training_enrolment(expert).course.code
    job = jobs.create_job(actor=officer, course_code=course_code)
    jobs.run_job(job.id, workers=1)
