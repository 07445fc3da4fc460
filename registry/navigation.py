"""The navigation each role sees. Items name endpoints; labels are translated lazily."""

from flask_babel import lazy_gettext as _l

from registry.enums import Role

_BY_ROLE = {
    Role.EXPERT: [("experts.me", _l("My application"))],
    Role.CENTRE_STAFF: [
        ("centres.my_centre", _l("My centre")),
        ("centres.my_courses", _l("Courses")),
        ("exams.my_sessions", _l("Exam sessions")),
        ("centres.my_imports", _l("Imports")),
    ],
    Role.OFFICER: [
        ("experts.index", _l("Experts")),
        ("audit.log", _l("Audit log")),
        ("directorate.queues", _l("Work queues")),
        ("targets.index", _l("Programme targets")),
        ("certificates.batch_jobs", _l("Certificate issuance")),
    ],
    Role.AUDITOR: [
        ("experts.index", _l("Experts")),
        ("audit.log", _l("Audit log")),
        ("targets.index", _l("Programme targets")),
        ("sampling.index", _l("Audit samples")),
        ("audit.anomalies", _l("Anomaly flags")),
        ("certificates.batch_jobs", _l("Certificate issuance")),
    ],
    Role.ADMIN: [
        ("admin.users", _l("Users")),
        ("admin.centres", _l("Training centres")),
        ("auth.second_factor_rule", _l("Second factor")),
        ("mail.outbox", _l("Outgoing mail")),
        ("admin.topics", _l("Course catalogue")),
        ("admin.sectors", _l("Sectors")),
        ("targets.index", _l("Programme targets")),
        ("targets.manage", _l("Targets")),
    ],
}


def navigation_for(user):
    """(endpoint, label) pairs for the signed-in user's role; empty for the public."""
    if not (user and user.is_authenticated):
        return []
    return _BY_ROLE.get(user.role, [])


def home_endpoint(user):
    """Where a user lands after signing in."""
    items = navigation_for(user)
    return items[0][0] if items else "public.home"
