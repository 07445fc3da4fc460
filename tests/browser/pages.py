"""Every page of every role, with real object ids from the demo data.

Maintained by hand from the URL map (`flask --app wsgi routes`): a GET page that a person
opens belongs here under each role that may open it (downloads, redirects and POST-only
actions do not). tests/browser/test_pages_listed.py fails when a GET rule is neither here
nor in NOT_PAGES, so a new page cannot be forgotten.
"""

import sqlalchemy as sa

from registry.demo import DEMO_APPELLANT

# Demo accounts (registry/demo.py), one per role; an expert suspended after a complaint,
# who appealed, sees pages a certified one does not.
ACCOUNTS = {
    "admin": "admin@nscl.gov.vn",
    "officer": "canbo@nscl.gov.vn",
    "auditor": "kiemtoan@nscl.gov.vn",
    "centre_staff": "hn01@trungtam.vn",
    "expert": "chuyengia@example.vn",
    "suspended_expert": DEMO_APPELLANT,
}

# GET rules that are not pages: files (JSON, exports) and redirects.
NOT_PAGES = {
    "audit.export",
    "cases.document",
    "experts.request_document",
    "rights.my_data_json",
    "audit_checkpoints.checkpoint",
    "audit_checkpoints.latest",
    "credentials.did_document",
    "credentials.download",
    "credentials.status_list",
    "certificates.download",
    "centres.enrolment_template",
    "centres.my_centre",
    "centres.my_courses",
    "centres.my_imports",
    "exams.my_sessions",
    "exams.template",
    "experts.accreditation_document",
    "public.set_language",
    "reports.dashboard_csv",
    "reports.dashboard_xlsx",
    "reports.register_csv",
    "reports.register_xlsx",
    "reports.summary_pdf_file",
    "static",
}


def _one(conn, sql, **params):
    value = conn.execute(sa.text(sql), params).scalar()
    assert value is not None, f"the demo data has no row for: {sql}"
    return value


def demo_ids(database_url):
    """The ids the pages below need, read from the served database."""
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        centre_id = _one(conn, "SELECT id FROM training_centres WHERE code = 'HN01'")
        ids = {
            "centre_id": centre_id,
            "course_id": _one(
                conn,
                "SELECT min(c.id) FROM courses c JOIN enrolments e ON e.course_id = c.id "
                "WHERE c.centre_id = :c",
                c=centre_id,
            ),
            "session_id": _one(
                conn,
                "SELECT min(s.id) FROM exam_sessions s JOIN courses c ON c.id = s.course_id "
                "WHERE c.centre_id = :c",
                c=centre_id,
            ),
            "own_expert_id": _one(
                conn,
                "SELECT e.id FROM experts e JOIN users u ON u.id = e.user_id "
                "WHERE u.email = 'chuyengia@example.vn'",
            ),
            "applied_id": _one(conn, "SELECT min(id) FROM experts WHERE status = 'applied'"),
            "accreditation_id": _one(conn, "SELECT min(id) FROM accreditation_requests"),
            "user_id": _one(conn, "SELECT min(id) FROM users"),
            "target_id": _one(conn, "SELECT min(id) FROM targets"),
            "topic_id": _one(conn, "SELECT min(id) FROM topics"),
            "complaint_id": _one(conn, "SELECT min(id) FROM cases WHERE kind = 'complaint'"),
            "appeal_id": _one(conn, "SELECT min(id) FROM cases WHERE kind = 'appeal'"),
            "appealed_change_id": _one(
                conn, "SELECT min(status_change_id) FROM cases WHERE kind = 'appeal'"
            ),
            "refused_request_id": _one(
                conn, "SELECT min(id) FROM accreditation_requests WHERE status = 'refused'"
            ),
            "import_job_id": _one(
                conn, "SELECT min(id) FROM import_jobs WHERE centre_id = :c", c=centre_id
            ),
            "batch_job_id": _one(conn, "SELECT min(id) FROM batch_jobs"),
            "sector_id": _one(conn, "SELECT min(id) FROM sectors"),
        }
        ids["correction_id"], ids["corrected_session_id"], ids["corrected_result_id"] = (
            conn.execute(
                sa.text(
                    "SELECT c.id, r.session_id, r.id FROM exam_result_corrections c "
                    "JOIN exam_results r ON r.id = c.result_id ORDER BY c.id LIMIT 1"
                )
            ).one()
        )
        ids["enrolment_id"] = _one(
            conn, "SELECT min(id) FROM enrolments WHERE course_id = :c", c=ids["course_id"]
        )
        number, code = conn.execute(
            sa.text(
                "SELECT number, verification_code FROM certificates "
                "WHERE sha256 IS NOT NULL ORDER BY id LIMIT 1"
            )
        ).one()
        ids["verify"] = f"/verify/{number}?code={code}"
    engine.dispose()
    return ids


def pages_by_role(ids):
    """{role: [path, ...]}: what each role opens; "public" is nobody signed in."""
    course = f"/centres/HN01/courses/{ids['course_id']}"
    session = f"/centres/HN01/exams/{ids['session_id']}"
    me = ids["own_expert_id"]
    cases = [f"/cases/{ids['complaint_id']}", f"/cases/{ids['appeal_id']}"]
    batch_job = f"/directorate/certificates/jobs/{ids['batch_job_id']}"
    queues = [
        f"/directorate/queue/{name}"
        for name in (
            "applications",
            "decisions",
            "accreditation",
            "name_changes",
            "cpd",
            "renewals",
            "suspended",
            "holders",
            "result_corrections",
        )
    ]
    return {
        "public": [
            "/",
            "/register",
            "/login",
            "/password/forgot",
            "/signup",
            "/verify",
            ids["verify"],
            "/complaints/new",
        ],
        "expert": [
            "/me",
            f"/experts/{me}/edit",
            f"/experts/{me}/name-change",
            f"/experts/{me}/contact",
            f"/experts/{me}/accreditation",
            "/me/cpd",
            "/account/password",
            "/account/tokens",
            "/account/mail",
            "/me/data",
            "/register",
        ],
        "suspended_expert": [
            "/me",
            f"/me/appeals/accreditation-{ids['refused_request_id']}",
            f"/me/appeals/change-{ids['appealed_change_id']}",  # appealed already
            f"/cases/{ids['appeal_id']}",
        ],
        "centre_staff": [
            "/centres/HN01",
            "/centres/HN01/courses",
            "/centres/HN01/courses/new",
            course,
            f"{course}/edit",
            f"{course}/enrolments/{ids['enrolment_id']}",
            "/centres/HN01/imports",
            f"/centres/HN01/imports/jobs/{ids['import_job_id']}",
            "/centres/HN01/exams",
            "/centres/HN01/exams/new",
            session,
            f"{session}/edit",
            f"{session}/import",
            f"/centres/HN01/exams/{ids['corrected_session_id']}/results/"
            f"{ids['corrected_result_id']}/correction",
            "/account/password",
        ],
        "officer": [
            "/experts",
            f"/experts/{ids['applied_id']}",
            f"/experts/{ids['applied_id']}/contact",
            "/audit/",
            "/directorate/",
            *queues,
            f"/directorate/experts/{ids['applied_id']}/decide/rejected",
            "/directorate/apply",
            f"/directorate/accreditation/{ids['accreditation_id']}",
            f"/directorate/result-corrections/{ids['correction_id']}",
            "/targets/",
            "/directorate/certificates",
            batch_job,
            *cases,
            "/account/tokens",
            "/account/mail",
            "/account/second-factor",
        ],
        "auditor": [
            "/experts",
            f"/experts/{ids['applied_id']}",
            "/audit/",
            "/audit/anomalies",
            "/audit/cases",
            "/audit/samples/",
            "/audit/samples/actions",
            "/audit/?number=NSCL&person=Nguy%E1%BB%85n",
            "/targets/",
            "/directorate/certificates",
            batch_job,
            *cases,
            "/account/mail",
        ],
        "admin": [
            "/admin/users",
            f"/admin/users/{ids['user_id']}",
            "/admin/centres",
            f"/admin/centres/{ids['centre_id']}",
            "/targets/",
            "/targets/manage",
            "/targets/new",
            f"/targets/{ids['target_id']}/edit",
            "/admin/topics",
            f"/admin/topics/{ids['topic_id']}",
            "/admin/sectors",
            f"/admin/sectors/{ids['sector_id']}",
            "/admin/values-to-fix",
            "/admin/outbox",
            "/admin/second-factor",
            "/account/second-factor",
        ],
    }
