"""What a case leads to: an upheld complaint to an audit finding with a corrective action
(marked done later, flagged when overdue); a complaint about a certified person to a
suspension through the transition table, the case linked both ways; an appeal of refused
CPD hours (the refusal on the way to a renewal); and the figures on cases on the dashboard
and in its exports."""

import ast
import csv
import io
from datetime import timedelta
from pathlib import Path

import openpyxl
import pypdf
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from registry.audit.models import AuditEvent, AuditFinding
from registry.cases import appeals, complaints, notices
from registry.cases.models import Case
from registry.clock import today
from registry.enums import CaseStatus, ExpertStatus, FindingResult, RequestStatus, Role
from registry.experts.models import CpdRecord, Expert
from registry.experts.renewal import decide_cpd
from registry.extensions import db
from tests.conftest import create_account, sign_in
from tests.factories import CentreFactory, CpdRecordFactory, UserFactory, Walk, local_moment

S = ExpertStatus
REGISTRY = Path(__file__).resolve().parent.parent / "registry"


@pytest.fixture
def sent(monkeypatch):
    asked = []
    monkeypatch.setattr(notices, "send", asked.append)
    return asked


def _complaint(subject, reference, grounds="Trung tâm thu tiền nhưng không mở lớp."):
    case = complaints.file_complaint(
        subject=subject,
        reference=reference,
        contact_name="Trần Văn Khách",
        contact_email="khach@example.vn",
        grounds=grounds,
    )
    complaints.confirm(complaints.confirmation_token(case))
    return case


def _assigned(case, handler):
    appeals.acknowledge(case, actor=handler)
    appeals.assign(case, handler, actor=handler)
    return case


def _events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


# --- findings from complaints ------------------------------------------------------------


def test_a_complaint_about_a_centre_becomes_a_finding_with_a_corrective_action(app, client, sent):
    with app.app_context():
        centre = CentreFactory()
        handler = UserFactory(role=Role.OFFICER)
        case = _assigned(_complaint("centre", centre.code), handler)
        db.session.commit()
        ids = {"case": case.id, "centre": centre.id, "handler": handler.email}
    sign_in(client, ids["handler"])
    decide = f"/cases/{ids['case']}/decide"
    # Upheld without a corrective action: refused with the rule's words, nothing written.
    refused = client.post(
        decide, data={"status": "assigned", "outcome": "upheld", "reasons": "Có căn cứ."}
    )
    assert refused.status_code == 409
    assert "cần có một phát hiện đánh giá" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Case, ids["case"]).status == CaseStatus.ASSIGNED
        assert db.session.scalar(sa.select(sa.func.count(AuditFinding.id))) == 0
    due = today() + timedelta(days=30)
    response = client.post(
        decide,
        data={
            "status": "assigned",
            "outcome": "upheld",
            "reasons": "Trung tâm không tổ chức lớp đã thu tiền.",
            "corrective_action": "Hoàn trả học phí và báo cáo lịch khai giảng.",
            "action_owner": "",
            "due_on": due.isoformat(),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        finding = db.session.scalar(sa.select(AuditFinding))
        assert finding.case_id == ids["case"] and finding.centre_id == ids["centre"]
        assert finding.sample_id is None and finding.certificate_id is None
        assert finding.result == FindingResult.NONCONFORMING and finding.due_on == due
        assert finding.note == "Trung tâm không tổ chức lớp đã thu tiền."
        [event] = _events("audit.finding_recorded")
        assert event.details["case_id"] == ids["case"]
        assert _events("case.finding_recorded")[0].object_id == str(ids["case"])
    page = client.get(f"/cases/{ids['case']}").get_data(as_text=True)
    assert "Hoàn trả học phí" in page and "Ghi nhận hành động khắc phục đã hoàn thành" in page
    client.post("/logout")

    # Auditors see it among the open corrective actions; they do not close it.
    create_account(app, "auditor", email="kiemtoan@example.vn")
    sign_in(client, "kiemtoan@example.vn")
    actions = client.get("/audit/samples/actions").get_data(as_text=True)
    assert "Hoàn trả học phí" in actions and f"/cases/{ids['case']}" in actions
    close = f"/cases/{ids['case']}/finding/close"
    denied = client.post(close, data={"closed_on": today().isoformat(), "note": "Đã xong"})
    assert denied.status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(AuditFinding.closed_on)) is None
    client.post("/logout")

    sign_in(client, ids["handler"])
    assert (
        client.post(close, data={"closed_on": today().isoformat(), "note": " "}).status_code == 422
    )
    done = client.post(
        close,
        data={"closed_on": today().isoformat(), "note": "Đã hoàn trả, có biên lai số 12."},
    )
    assert done.status_code == 302
    with app.app_context():
        finding = db.session.scalar(sa.select(AuditFinding))
        assert finding.closed_on == today()
        assert finding.closed_note == "Đã hoàn trả, có biên lai số 12."
        assert _events("audit.action_closed")[0].details["case_id"] == ids["case"]
    again = client.post(close, data={"closed_on": today().isoformat(), "note": "Lần nữa"})
    assert again.status_code == 422


def test_finding_rules(ctx, sent):
    centre = CentreFactory()
    handler = UserFactory(role=Role.OFFICER)
    due = today() + timedelta(days=10)

    case = _assigned(_complaint("centre", centre.code), handler)
    with pytest.raises(appeals.CaseError, match="trong quá khứ"):
        complaints.decide(
            case,
            "upheld",
            actor=handler,
            reasons="x",
            corrective_action="Sửa",
            due_on=today() - timedelta(days=1),
        )
    with pytest.raises(appeals.CaseError, match="Chỉ khiếu nại được chấp nhận"):
        complaints.decide(
            case, "dismissed", actor=handler, reasons="x", corrective_action="Sửa", due_on=due
        )
    with pytest.raises(appeals.CaseError):  # a due date without a corrective action
        complaints.decide(case, "upheld", actor=handler, reasons="x", due_on=due)
    # Nor is the finding skipped by deciding through the steps every case shares.
    with pytest.raises(appeals.CaseError, match="cần có một phát hiện đánh giá"):
        appeals.decide(case, "upheld", actor=handler, reasons="x")
    assert case.status == CaseStatus.ASSIGNED

    # About the directorate: who acts must be said (there is no centre to name).
    about_us = _assigned(_complaint("directorate", ""), handler)
    with pytest.raises(appeals.CaseError, match="đơn vị hoặc người"):
        complaints.decide(
            about_us, "upheld", actor=handler, reasons="x", corrective_action="Sửa", due_on=due
        )
    finding = complaints.decide(
        about_us,
        "upheld",
        actor=handler,
        reasons="Hồ sơ bị giữ quá hạn.",
        corrective_action="Rà soát quy trình tiếp nhận.",
        action_owner="Phòng Chứng nhận",
        due_on=due,
    )
    assert finding.action_owner == "Phòng Chứng nhận" and finding.centre_id is None

    # About a certified person: a finding is possible, not required.
    expert = Walk().certified()
    about_expert = _assigned(_complaint("expert", expert.certificates[0].number), handler)
    assert complaints.decide(about_expert, "upheld", actor=handler, reasons="Có căn cứ.") is None
    assert about_expert.status == CaseStatus.DECIDED and about_expert.finding is None


def test_the_database_refuses_a_finding_of_no_origin_or_no_owner(ctx, sent):
    handler = UserFactory(role=Role.OFFICER)
    case = _assigned(_complaint("directorate", ""), handler)
    for row in (
        # from a case, but nobody named to act
        {"case_id": case.id, "corrective_action": "Sửa", "due_on": today()},
        # from nowhere
        {"corrective_action": "Sửa", "due_on": today()},
    ):
        db.session.add(
            AuditFinding(auditor_id=handler.id, result=FindingResult.NONCONFORMING, **row)
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_overdue_corrective_actions_are_flagged_and_counted(app, client, sent):
    from registry.cases.statistics import case_figures
    from registry.enums import CaseKind

    with app.app_context():
        centre = CentreFactory()
        handler = UserFactory(role=Role.OFFICER)
        case = _assigned(_complaint("centre", centre.code), handler)
        finding = complaints.decide(
            case,
            "upheld",
            actor=handler,
            reasons="Có căn cứ.",
            corrective_action="Bổ sung giảng viên.",
            due_on=today(),
        )
        db.session.execute(
            sa.update(AuditFinding)
            .where(AuditFinding.id == finding.id)
            .values(due_on=today() - timedelta(days=1))
        )
        db.session.commit()
        db.session.expire_all()
        figures = {f.kind: f for f in case_figures(today())}[CaseKind.COMPLAINT]
        assert (figures.findings, figures.actions_open, figures.actions_overdue) == (1, 1, 1)
        case_id, email = case.id, handler.email
    sign_in(client, email)
    index = client.get("/audit/cases").get_data(as_text=True)
    assert "Bổ sung giảng viên." in index
    section = index[index.index("Bổ sung giảng viên.") - 600 :]
    assert 'class="overdue"' in section[:700]
    assert 'class="overdue"' in client.get(f"/cases/{case_id}").get_data(as_text=True)


# --- a suspension through the table, from a complaint --------------------------------------


def _complaint_about_expert(app, *, decided=None):
    with app.app_context():
        walk = Walk()
        user = UserFactory(role=Role.EXPERT)
        expert = walk.certified(user=user, email=user.email)
        handler = UserFactory(role=Role.OFFICER)
        other = UserFactory(role=Role.OFFICER)
        case = _assigned(_complaint("expert", expert.certificates[0].number), handler)
        if decided:
            appeals.decide(case, decided, actor=handler, reasons="Đã xem xét.")
        db.session.commit()
        ids = {
            "case": case.id,
            "expert": expert.id,
            "expert_email": expert.email,
            "handler": handler.email,
            "other": other.email,
        }
        db.session.remove()
    return ids


def _suspend(client, ids, **overrides):
    data = {
        "version": "",
        "reason_code": "under_review_after_complaint",
        "reason": "Khiếu nại về tư vấn sai quy trình đang được xác minh.",
        "review_on": (today() + timedelta(days=60)).isoformat(),
    } | overrides
    with client.application.app_context():
        data["version"] = db.session.get(Expert, ids["expert"]).version
        db.session.remove()
    return client.post(
        f"/directorate/experts/{ids['expert']}/decide/suspended?case={ids['case']}", data=data
    )


def test_a_complaint_leads_its_handler_to_the_suspension_with_the_case_linked(app, client, sent):
    ids = _complaint_about_expert(app, decided="upheld")
    # Another officer may not act on the handler's case: refused, nothing written.
    sign_in(client, ids["other"])
    refused = _suspend(client, ids)
    assert refused.status_code == 403
    assert "Chỉ cán bộ được giao vụ việc" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Expert, ids["expert"]).status == S.CERTIFIED
    client.post("/logout")

    sign_in(client, ids["handler"])
    page = client.get(f"/cases/{ids['case']}").get_data(as_text=True)
    link = f"/directorate/experts/{ids['expert']}/decide/suspended?case={ids['case']}"
    assert link in page
    form = client.get(link).get_data(as_text=True)
    assert f"khiếu nại #{ids['case']}" in form
    assert '<option selected value="under_review_after_complaint">' in form
    # The table's guard still holds: without a review date, refused; the case stays unlinked.
    incomplete = _suspend(client, ids, review_on="")
    assert incomplete.status_code == 422
    with app.app_context():
        assert db.session.get(Case, ids["case"]).resulting_change_id is None
    assert not [n for n in sent if n.kind == "complaint_measure"]

    response = _suspend(client, ids)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{ids['case']}")
    with app.app_context():
        expert = db.session.get(Expert, ids["expert"])
        case = db.session.get(Case, ids["case"])
        change = case.resulting_change
        assert expert.status == S.SUSPENDED
        assert (change.from_status, change.to_status) == (S.CERTIFIED, S.SUSPENDED)
        assert change.evidence["case"] == ids["case"]  # the history row records the case
        transition_event = _events("expert.transition")[-1]
        assert transition_event.details["evidence"]["case"] == ids["case"]
        [measure] = _events("case.measure_taken")
        assert measure.details["status_change_id"] == change.id
        expected_last_day = change.created_at.date() + timedelta(days=30)
    [told] = [n for n in sent if n.kind == "complaint_measure"]
    assert told.to_address == ids["expert_email"] and told.context["to_status"] == "suspended"
    assert abs((told.context["last_day"] - expected_last_day).days) <= 1
    page = client.get(f"/cases/{ids['case']}").get_data(as_text=True)
    assert "Sau khiếu nại" in page and link not in page
    history = client.get(f"/experts/{ids['expert']}").get_data(as_text=True)
    assert "Vụ việc (kháng nghị, khiếu nại) số" in history
    # Once only: the case cannot lead to a withdrawal as well.
    withdraw = f"/directorate/experts/{ids['expert']}/decide/withdrawn?case={ids['case']}"
    again = client.post(withdraw, data={"reason_code": "misuse_of_certificate", "reason": "x"})
    assert again.status_code == 409
    assert "đã dẫn đến một thay đổi trạng thái" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Expert, ids["expert"]).status == S.SUSPENDED


def test_a_dismissed_complaint_or_another_person_leads_to_no_suspension(app, client, sent):
    ids = _complaint_about_expert(app, decided="dismissed")
    sign_in(client, ids["handler"])
    response = _suspend(client, ids)
    assert response.status_code == 409
    assert "không được chấp nhận: không dẫn đến biện pháp nào" in response.get_data(as_text=True)
    with app.app_context():
        someone_else = Walk().certified()
        db.session.commit()
        other_id = someone_else.id
    wrong = client.get(f"/directorate/experts/{other_id}/decide/suspended?case={ids['case']}")
    assert "không phải là khiếu nại về người này" in wrong.get_data(as_text=True)
    assert (
        client.get(f"/directorate/experts/{other_id}/decide/suspended?case=99999").status_code
        == 404
    )
    with app.app_context():
        assert db.session.get(Expert, ids["expert"]).status == S.CERTIFIED
        assert db.session.get(Expert, other_id).status == S.CERTIFIED


def test_measures_are_never_taken_around_the_table(ctx, sent):
    """check_measure guards the case; the change itself is only lifecycle.transition's."""
    walk = Walk()
    expert = walk.certified()
    handler = UserFactory(role=Role.OFFICER)
    case = _assigned(_complaint("expert", expert.certificates[0].number), handler)
    with pytest.raises(appeals.CaseError, match="đình chỉ hoặc thu hồi"):
        complaints.check_measure(case, expert, S.APPLIED, handler)
    complaints.check_measure(case, expert, S.SUSPENDED, handler)  # open to it, while handled
    appeals.decide(case, "upheld", actor=handler, reasons="x")
    appeals.close(case, actor=handler)
    with pytest.raises(appeals.CaseError, match="đã kết thúc"):
        complaints.check_measure(case, expert, S.SUSPENDED, handler)


# --- appeals of refused CPD hours ----------------------------------------------------------


def _refused_cpd(walk, *, decided_at=None):
    user = UserFactory(role=Role.EXPERT)
    expert = walk.certified(user=user, email=user.email)
    record = CpdRecordFactory(expert=expert, hours=40)
    decide_cpd(record, approve=False, actor=walk.officer)
    if decided_at is not None:
        db.session.execute(
            sa.update(CpdRecord).where(CpdRecord.id == record.id).values(decided_at=decided_at)
        )
        db.session.refresh(record)
    return expert, record


def test_refused_cpd_hours_are_appealed_and_an_upheld_appeal_confirms_them(app, client, sent):
    with app.app_context():
        walk = Walk()
        expert, record = _refused_cpd(walk)
        handler = UserFactory(role=Role.OFFICER)
        db.session.commit()
        ids = {
            "expert": expert.id,
            "email": expert.email,
            "record": record.id,
            "refuser": walk.officer,
            "handler": handler,
        }
    sign_in(client, ids["email"])
    me = client.get("/me").get_data(as_text=True)
    assert f"/me/appeals/cpd-{ids['record']}" in me and "CPD) bị từ chối" in me
    form = client.get(f"/me/appeals/cpd-{ids['record']}").get_data(as_text=True)
    assert "Hội thảo năng suất xanh, 40 giờ" in form
    response = client.post(
        f"/me/appeals/cpd-{ids['record']}", data={"grounds": "Hội thảo có xác nhận của VNPI."}
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Hội thảo năng suất xanh, 40 giờ" in page
    with app.app_context():
        case = db.session.scalar(sa.select(Case))
        assert case.cpd_record_id == ids["record"]
        refuser = db.session.merge(ids["refuser"])
        handler = db.session.merge(ids["handler"])
        assert case.decided_by_id == refuser.id
        with pytest.raises(appeals.CaseNotAllowed):  # who refused the hours may not handle it
            appeals.acknowledge(case, actor=refuser)
        _assigned(case, handler)
        with pytest.raises(appeals.CaseNotAllowed):
            appeals.assign(case, refuser, actor=handler)
        appeals.decide(case, "upheld", actor=handler, reasons="Có xác nhận hợp lệ.")
        db.session.commit()
        record = db.session.get(CpdRecord, ids["record"])
        assert record.status == RequestStatus.APPROVED and record.decided_by_id == handler.id
        [confirmed] = _events("cpd.confirmed")
        assert confirmed.details["case_id"] == case.id


def test_a_cpd_appeal_out_of_its_period_is_refused_and_the_period_is_configurable(
    app, client, sent
):
    with app.app_context():
        expert, record = _refused_cpd(Walk(), decided_at=local_moment(today() - timedelta(days=31)))
        db.session.commit()
        email, record_id = expert.email, record.id
    sign_in(client, email)
    assert f"/me/appeals/cpd-{record_id}" not in client.get("/me").get_data(as_text=True)
    late = client.post(f"/me/appeals/cpd-{record_id}", data={"grounds": "Muộn"})
    assert late.status_code == 409 and "đã hết" in late.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0
    app.config["REGISTRY_APPEAL_PERIOD_DAYS"] = 45
    assert client.post(f"/me/appeals/cpd-{record_id}", data={"grounds": "Kịp"}).status_code == 302


def test_approved_cpd_hours_are_not_appealable(ctx, sent):
    walk = Walk()
    user = UserFactory(role=Role.EXPERT)
    expert = walk.certified(user=user, email=user.email)
    record = CpdRecordFactory(expert=expert)
    decide_cpd(record, approve=True, actor=walk.officer)
    assert not appeals.appealable_decisions(expert, today())
    with pytest.raises(appeals.CaseError, match="Không thể kháng nghị"):
        appeals.file_appeal(expert, record, actor=user, grounds="x")


# --- figures on cases: dashboard and exports -----------------------------------------------


def _seed_cases(app):
    """Two complaints (one closed, acknowledged after 2 days and closed after 4, dismissed;
    one waiting past its due day) and one upheld appeal that led to a reinstatement."""
    with app.app_context():
        walk = Walk()
        handler = UserFactory(role=Role.OFFICER)
        expert = walk.certified()
        closed = _assigned(_complaint("expert", expert.certificates[0].number), handler)
        appeals.decide(closed, "dismissed", actor=handler, reasons="Không có căn cứ.")
        appeals.close(closed, actor=handler)
        db.session.execute(
            sa.update(Case)
            .where(Case.id == closed.id)
            .values(
                acknowledged_at=closed.confirmed_at + timedelta(days=2),
                closed_at=closed.confirmed_at + timedelta(days=4),
            )
        )
        waiting = _complaint("directorate", "")
        db.session.execute(
            sa.update(Case).where(Case.id == waiting.id).values(due_on=today() - timedelta(days=1))
        )
        user = UserFactory(role=Role.EXPERT)
        suspended = walk.to(S.SUSPENDED, user=user, email=user.email)
        appeal = appeals.file_appeal(
            suspended, suspended.history[-1], actor=user, grounds="Khiếu nại đã được rút."
        )
        _assigned(appeal, handler)
        appeals.decide(appeal, "upheld", actor=handler, reasons="Có căn cứ.")
        db.session.commit()
        db.session.remove()


def _csv_rows(response):
    text = response.get_data().decode("utf-8")
    return list(csv.reader(io.StringIO(text[1:])))


def test_case_figures_are_counted_right_in_the_exports(app, client, login_as, sent):
    _seed_cases(app)
    login_as("auditor")
    rows = _csv_rows(client.get("/reports/targets.csv"))
    cases = {(r[1], r[2]): r[3] for r in rows if r and r[0] == "Kháng nghị và khiếu nại"}
    assert cases[("Khiếu nại", "Số vụ việc")] == "2"
    assert cases[("Khiếu nại", "Đang mở")] == "1"
    assert cases[("Khiếu nại", "Quá hạn")] == "1"
    assert cases[("Khiếu nại", "Số ngày thụ lý (trung vị)")] == "2.0"
    assert cases[("Khiếu nại", "Số ngày kết thúc (trung vị)")] == "4.0"
    assert cases[("Khiếu nại", "Không chấp nhận")] == "1"
    assert cases[("Khiếu nại", "Chấp nhận")] == "0"
    assert cases[("Kháng nghị", "Số vụ việc")] == "1"
    assert cases[("Kháng nghị", "Chấp nhận")] == "1"
    assert cases[("Kháng nghị", "Dẫn đến thay đổi trạng thái")] == "1"

    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/reports/targets.xlsx").get_data()))
    sheet = workbook["Kháng nghị và khiếu nại"]
    values = list(sheet.values)
    assert values[0][:4] == ("Loại vụ việc", "Số vụ việc", "Đang mở", "Quá hạn")
    by_kind = {row[0]: row for row in values[1:]}
    assert by_kind["Khiếu nại"][1:4] == (2, 1, 1)
    assert by_kind["Kháng nghị"][8] == 1

    reader = pypdf.PdfReader(io.BytesIO(client.get("/reports/summary.pdf").get_data()))
    text = "".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == 1
    assert "Kháng nghị và khiếu nại" in " ".join(text.split())

    page = client.get("/targets/").get_data(as_text=True)
    assert 'id="cases"' in page and "Dẫn đến thay đổi trạng thái" in page


def test_the_case_figures_are_for_officers_and_auditors_only(app, client, login_as, sent):
    _seed_cases(app)
    login_as("admin")  # sees the dashboard, not the cases
    assert 'id="cases"' not in client.get("/targets/").get_data(as_text=True)
    rows = _csv_rows(client.get("/reports/targets.csv"))
    assert not [r for r in rows if r and r[0] == "Kháng nghị và khiếu nại"]
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/reports/targets.xlsx").get_data()))
    assert "Kháng nghị và khiếu nại" not in workbook.sheetnames
    client.post("/logout")
    login_as("officer")
    assert 'id="cases"' in client.get("/targets/").get_data(as_text=True)


def test_a_case_finding_is_closed_by_nobody_who_may_not_see_the_case(app, client, sent):
    with app.app_context():
        centre = CentreFactory()
        handler = UserFactory(role=Role.OFFICER)
        case = _assigned(_complaint("centre", centre.code), handler)
        complaints.decide(
            case,
            "upheld",
            actor=handler,
            reasons="Có căn cứ.",
            corrective_action="Sửa",
            due_on=today() + timedelta(days=5),
        )
        db.session.commit()
        case_id = case.id
    for role in ("expert", "centre_staff", "admin"):
        sign_in(client, create_account(app, role).email)
        response = client.post(
            f"/cases/{case_id}/finding/close",
            data={"closed_on": today().isoformat(), "note": "Đã xong"},
        )
        assert response.status_code == 404
        client.post("/logout")
    sign_in(client, create_account(app, "auditor").email)
    # The auditors' closing route is for sample findings: a case's finding is not found there.
    with app.app_context():
        finding_id = db.session.scalar(sa.select(AuditFinding.id))
    assert client.post(f"/audit/samples/findings/{finding_id}/close").status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(AuditFinding.closed_on)) is None


# --- shared code is public -----------------------------------------------------------------


def test_no_case_or_audit_module_imports_another_modules_private_names():
    offenders = []
    for folder in ("cases", "audit", "reports", "directorate"):
        for path in (REGISTRY / folder).glob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("registry"):
                    offenders += [
                        f"{path.name}: {node.module}.{a.name}"
                        for a in node.names
                        if a.name.startswith("_")
                    ]
    assert offenders == []


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("to_status", ["suspended", "withdrawn"])
def test_the_measure_notice_renders_in_each_language(ctx, sent, locale, to_status):
    from types import SimpleNamespace

    from jinja2 import ChoiceLoader, DictLoader

    expert = Walk().certified()
    handler = UserFactory(role=Role.OFFICER)
    case = _assigned(_complaint("expert", expert.certificates[0].number), handler)
    change = SimpleNamespace(to_status=S(to_status), created_at=local_moment(today()))
    notice = notices.measure_notice(case, change, appeals.appeal_period())
    env = ctx.jinja_env.overlay(
        loader=ChoiceLoader(
            [ctx.jinja_env.loader, DictLoader({f"mail/{locale}/_signature.txt": "—"})]
        )
    )
    text = env.get_template(f"mail/{locale}/{notice.kind}.txt").render(
        public_url="https://example.test", **notice.context
    )
    assert str(case.id) in text.strip().splitlines()[0]
    assert expert.full_name in text
    assert (today() + timedelta(days=30)).strftime("%d/%m/%Y") in text
    words = {
        ("vi", "suspended"): "đình chỉ",
        ("vi", "withdrawn"): "thu hồi",
        ("en", "suspended"): "suspended",
        ("en", "withdrawn"): "withdrawn",
    }
    assert words[(locale, to_status)] in text.splitlines()[3]
