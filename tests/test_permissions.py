"""Who may open what: one row per route and role (anonymous, each role, another centre)."""

import pytest

from tests.conftest import create_account, sign_in
from tests.factories import CentreFactory, ExpertFactory

ROLES = ["anonymous", "expert", "centre_staff", "officer", "auditor", "admin"]
SIGN_IN = 302  # anonymous users are sent to the sign-in page

# path -> expected status for each role in ROLES order. {own} is the signed-in centre
# staff member's centre (for other roles, some centre); {other} is another centre.
TABLE = {
    "/": [200, 200, 200, 200, 200, 200],
    "/login": [200, 302, 302, 302, 302, 302],
    "/account/password": [SIGN_IN, 200, 200, 200, 200, 200],
    "/me": [SIGN_IN, 200, 403, 403, 403, 403],
    "/experts": [SIGN_IN, 403, 403, 200, 200, 403],
    "/experts/{expert}": [SIGN_IN, 403, 403, 200, 200, 403],
    "/centres/mine": [SIGN_IN, 403, 302, 403, 403, 403],
    "/centres/{own}": [SIGN_IN, 403, 200, 200, 200, 200],
    "/centres/{other}": [SIGN_IN, 403, 403, 200, 200, 200],
    "/centres/NOPE": [SIGN_IN, 404, 404, 404, 404, 404],
    "/audit/": [SIGN_IN, 403, 403, 200, 200, 403],
    "/admin/users": [SIGN_IN, 403, 403, 403, 403, 200],
    "/admin/centres": [SIGN_IN, 403, 403, 403, 403, 200],
    "/admin/centres/{own_id}": [SIGN_IN, 403, 403, 403, 403, 200],
    "/register": [200, 200, 200, 200, 200, 200],
    "/account/tokens": [SIGN_IN, 200, 200, 200, 200, 200],
}


@pytest.mark.parametrize("role", ROLES)
def test_role_route_table(app, role):
    client = app.test_client()
    with app.app_context():
        own, other = CentreFactory(), CentreFactory()
        expert = ExpertFactory()
        from registry.extensions import db

        db.session.commit()
        ids = {"own": own.code, "other": other.code, "own_id": own.id, "expert": expert.id}
        db.session.remove()
    if role != "anonymous":
        kwargs = {"centre_id": ids["own_id"]} if role == "centre_staff" else {}
        account = create_account(app, role, **kwargs)
        assert sign_in(client, account.email).status_code == 302
    failures = []
    for path, expected in TABLE.items():
        url = path.format(**ids)
        status = client.get(url).status_code
        if status != expected[ROLES.index(role)]:
            failures.append(f"{url}: {status}, expected {expected[ROLES.index(role)]}")
    assert failures == []


def test_every_route_has_a_row(app):
    """A new page must say who may open it: add it to TABLE (or to the feature's own table)."""
    covered = {path.split("?")[0] for path in TABLE}
    rules = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and rule.endpoint != "static"
        and rule.endpoint.split(".")[0]
        in {"public", "auth", "experts", "centres", "audit", "admin", "tokens"}
    }
    normalised = {
        r.replace("<int:expert_id>", "{expert}")
        .replace("<code>", "{own}")
        .replace("<int:centre_id>", "{own_id}")
        .replace("<int:user_id>", "{user}")
        .replace("<code>", "{code}")
        for r in rules
    }
    missing = {
        r
        for r in normalised
        if r not in covered
        and r
        not in {
            "/lang/{own}",  # sets the language; tested in test_i18n
            "/admin/users/{user}",  # tested in test_admin
        }
    }
    assert missing == set()

    # Every API endpoint and method has a row in tests/test_api_permissions.py.
    from tests.test_api_permissions import covered_endpoints

    api = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert api - covered_endpoints(app) == set()


def test_centre_staff_cannot_open_another_centres_page_but_can_open_their_own(app, login_as):
    with app.app_context():
        from registry.extensions import db

        mine, theirs = CentreFactory(), CentreFactory()
        db.session.commit()
        mine_id, mine_code, theirs_code, theirs_name = mine.id, mine.code, theirs.code, theirs.name
        db.session.remove()
    client = app.test_client()
    account = create_account(app, "centre_staff", centre_id=mine_id)
    sign_in(client, account.email)
    assert client.get(f"/centres/{mine_code}").status_code == 200
    response = client.get(f"/centres/{theirs_code}")
    assert response.status_code == 403
    assert theirs_name not in response.text
