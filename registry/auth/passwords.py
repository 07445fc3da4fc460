"""Passwords: the rule a new password must pass, and argon2 hashing with upgrade on sign-in.

The rule: at least 12 characters, not guessable (zxcvbn's score of 3 or more: its lists of
common and breached passwords, keyboard walks, dates and repeats), and not made from the
person's name or email. zxcvbn rather than a shipped list of the most common passwords:
it is maintained on PyPI, ships its own frequency lists, and also catches the variants a
list misses ("password1234", "qwertyuiop12") and the person's own name given as input.

Hashes are argon2id (memory-hard). Hashes of the older scheme (werkzeug's scrypt/pbkdf2)
still verify and are replaced by argon2 at the next successful sign-in.
"""

import argon2
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash
from zxcvbn import zxcvbn

from registry.text import search_key

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
MIN_STRENGTH = 3  # zxcvbn's 0..4: 3 is "safely unguessable" for an online attacker
# zxcvbn's cost grows with length; past this many characters a password is long enough.
_STRENGTH_CHECKED_CHARACTERS = 64


def password_problem(password, *, full_name=None, email=None):
    """Why `password` may not be used by this person, or None when it may."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _l(
            "The password must have at least %(count)d characters.", count=MIN_PASSWORD_LENGTH
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        return _l("The password may have at most %(count)d characters.", count=MAX_PASSWORD_LENGTH)
    whole, words = _personal_words(full_name, email)
    if any(len(part) >= 4 and part in _letters_and_digits(password) for part in whole):
        return _l("The password must not be made from your name or email.")
    checked = password[:_STRENGTH_CHECKED_CHARACTERS]
    if zxcvbn(checked, user_inputs=sorted(words | whole))["score"] < MIN_STRENGTH:
        return _l(
            "This password is too easy to guess (common, or a simple pattern). "
            "A few unrelated words make a strong one."
        )
    return None


def _letters_and_digits(text):
    return "".join(ch for ch in search_key(text) if ch.isalnum())


def _personal_words(full_name, email):
    """(whole, words): the name and the email's local part whole, which a password may not
    contain; and their single words, which only lower zxcvbn's score (a Vietnamese name's
    syllables are in every Vietnamese phrase)."""
    whole, words = set(), set(search_key(full_name or "").split())
    if full_name:
        whole.add(_letters_and_digits(full_name))
    if email:
        local, _, domain = email.lower().partition("@")
        whole.add(_letters_and_digits(local))
        words.update(search_key(local.replace("_", ".").replace("-", ".")).split("."))
        words.add(domain.split(".")[0])
    return {w for w in whole if w}, {w for w in words if w}


def _hasher():
    config = current_app.config
    return argon2.PasswordHasher(
        time_cost=config["REGISTRY_ARGON2_TIME_COST"],
        memory_cost=config["REGISTRY_ARGON2_MEMORY_KIB"],
        parallelism=config["REGISTRY_ARGON2_PARALLELISM"],
    )


def hash_password(password):
    """An argon2id hash of `password` with the configured costs."""
    return _hasher().hash(password)


def verify_password(password_hash, password):
    """(matches, needs_rehash): needs_rehash when the hash is of an older scheme or cost."""
    if not password_hash:
        return False, False
    if not password_hash.startswith("$argon2"):
        return check_password_hash(password_hash, password), True
    hasher = _hasher()
    try:
        hasher.verify(password_hash, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False, False
    return True, hasher.check_needs_rehash(password_hash)


def spend_a_verification(password):
    """Verify against a throwaway hash: an unknown email takes as long as a known one."""
    dummy = current_app.extensions.setdefault("registry_dummy_hash", hash_password("-"))
    verify_password(dummy, password)
