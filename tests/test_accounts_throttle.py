"""Failed sign-ins slow down per account and per address; nobody can lock anyone out."""

import sqlalchemy as sa

from registry.auth.models import SignInThrottle, User
from registry.auth.throttle import DEFAULT_SCOPES, delay_after
from registry.extensions import db
from tests.conftest import create_account
from tests.factories import TEST_PASSWORD

OFFICE = "203.0.113.7"
ELSEWHERE = "198.51.100.9"


def _attempt(client, email, password, address=OFFICE):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def _let_time_pass(app):
    """Every running delay ends (as if its seconds had passed)."""
    with app.app_context():
        db.session.execute(sa.update(SignInThrottle).values(retry_at=None))
        db.session.commit()


def test_delays_grow_and_are_capped():
    free, longest = DEFAULT_SCOPES["account_address"]
    delays = [delay_after(n, free, longest) for n in range(1, free + 12)]
    assert delays[:free] == [0] * free
    assert delays[free : free + 3] == [5, 10, 20]
    assert max(delays) == longest


def test_a_few_typos_cost_nothing_then_the_page_says_when_to_try_again(app, client):
    account = create_account(app, "officer")
    free, _ = DEFAULT_SCOPES["account_address"]
    for _ in range(free):
        response = _attempt(client, account.email, "wrong password")
        assert response.status_code == 200
        assert "Email hoặc mật khẩu không đúng." in response.text
    response = _attempt(client, account.email, "wrong password")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "5"
    assert "Hãy thử lại sau 5 giây." in response.text
    # While the delay runs even the right password is not checked.
    response = _attempt(client, account.email, TEST_PASSWORD)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) in (4, 5)
    _let_time_pass(app)
    assert _attempt(client, account.email, TEST_PASSWORD).status_code == 302


def test_the_delay_grows_with_each_further_failure(app, client):
    account = create_account(app, "officer")
    free, _ = DEFAULT_SCOPES["account_address"]
    waits = []
    for _ in range(free + 3):
        response = _attempt(client, account.email, "wrong password")
        waits.append(int(response.headers.get("Retry-After", 0)))
        _let_time_pass(app)
    assert waits == [0] * free + [5, 10, 20]


def test_one_persons_typos_do_not_slow_their_office(app, client):
    typist = create_account(app, "centre_staff")
    colleague = create_account(app, "centre_staff")
    for _ in range(DEFAULT_SCOPES["account_address"][0] + 2):
        _attempt(client, typist.email, "wrong password")
    other = app.test_client()
    assert _attempt(other, colleague.email, TEST_PASSWORD).status_code == 302


def test_an_attack_from_elsewhere_cannot_keep_the_officer_out(app, client):
    officer = create_account(app, "officer")
    assert _attempt(client, officer.email, TEST_PASSWORD).status_code == 302  # a known address
    client.post("/logout")
    free, longest = DEFAULT_SCOPES["account"]
    attacker = app.test_client()
    for n in range(free + 5):
        _attempt(attacker, officer.email, "guess", address=f"192.0.2.{n % 200}")
    # The account is slowed for new addresses, never for longer than the account's cap...
    refused = _attempt(app.test_client(), officer.email, TEST_PASSWORD, address="192.0.2.250")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) <= longest
    # ...and not at all from where the officer signed in before.
    assert _attempt(client, officer.email, TEST_PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_slowed(app, client):
    free, _ = DEFAULT_SCOPES["address"]
    for n in range(free):
        assert _attempt(client, f"guess{n}@example.vn", "password1").status_code == 200
    response = _attempt(client, "guess-last@example.vn", "password1")
    assert response.status_code == 429
    assert _attempt(app.test_client(), "x@example.vn", "p", address=ELSEWHERE).status_code == 200


def test_unknown_and_known_emails_get_the_same_answers(app, client):
    account = create_account(app, "officer")
    free, _ = DEFAULT_SCOPES["account_address"]
    answers = {}
    for email in (account.email, "nobody@example.vn"):
        answers[email] = [
            _attempt(client, email, "wrong password").status_code for _ in range(free + 1)
        ]
    assert answers[account.email] == answers["nobody@example.vn"] == [200] * free + [429]


def test_no_email_or_address_is_stored_in_clear(app, client):
    account = create_account(app, "officer")
    _attempt(client, account.email, "wrong password")
    with app.app_context():
        keys = db.session.scalars(sa.select(SignInThrottle.key)).all()
        assert len(keys) == 3
        assert not any(account.email in key or OFFICE in key for key in keys)
        assert db.session.get(User, account.id).active  # nothing about the account changed


def _attack_mail(app, email):
    from registry.mail.models import OutboxMessage

    with app.app_context():
        return db.session.scalars(
            sa.select(OutboxMessage.subject).where(
                OutboxMessage.kind == "sign_in_attack", OutboxMessage.to_address == email
            )
        ).all()


def _spread_attack(app, email, failures):
    """`failures` wrong passwords for `email`, each from a new address (none slowed alone)."""
    for n in range(failures):
        _attempt(app.test_client(), email, "wrong password", address=f"192.0.2.{n + 1}")
        _let_time_pass(app)


def test_a_staff_account_under_attack_is_told_once_an_episode(app, client):
    account = create_account(app, "officer")
    free, _ = DEFAULT_SCOPES["account"]
    _spread_attack(app, account.email, free)
    assert _attack_mail(app, account.email) == []  # typos cost nothing and tell nobody
    _spread_attack(app, account.email, 1)
    assert _attack_mail(app, account.email) == ["Có nhiều lần đăng nhập sai vào tài khoản của bạn"]
    _spread_attack(app, account.email, 5)
    assert len(_attack_mail(app, account.email)) == 1  # once for the whole episode
    # A successful sign-in ends the episode; a new attack is told again.
    assert _attempt(client, account.email, TEST_PASSWORD).status_code == 302
    _spread_attack(app, account.email, free + 1)
    assert len(_attack_mail(app, account.email)) == 2


def test_an_expert_account_and_an_unknown_email_mail_nobody(app):
    account = create_account(app, "expert")
    free, _ = DEFAULT_SCOPES["account"]
    _spread_attack(app, account.email, free + 2)
    _spread_attack(app, "nobody@example.vn", free + 2)
    assert _attack_mail(app, account.email) == []
    assert _attack_mail(app, "nobody@example.vn") == []
