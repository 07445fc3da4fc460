"""Vietnamese by default, English on request; the catalogue covers every message."""

import subprocess
import sys

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from registry.config import PROJECT_ROOT

CATALOGUE = PROJECT_ROOT / "registry" / "translations" / "vi" / "LC_MESSAGES"


def test_pages_are_vietnamese_by_default(client):
    page = client.get("/").text
    assert '<html lang="vi">' in page
    assert "Cơ sở dữ liệu quốc gia về chuyên gia năng suất chất lượng" in page


def test_english_on_request_and_it_sticks(client):
    response = client.get("/lang/en?next=/login")
    assert response.headers["Location"] == "/login"
    page = client.get("/login").text
    assert '<html lang="en">' in page
    assert "Sign in" in page
    client.get("/lang/vi")
    assert "Đăng nhập" in client.get("/login").text


def test_language_switch_ignores_unknown_languages_and_external_next(client):
    response = client.get("/lang/fr?next=https://evil.example/")
    assert response.headers["Location"] == "/"
    assert '<html lang="vi">' in client.get("/").text


def test_every_message_has_a_vietnamese_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with (CATALOGUE / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    translated = {m.id for m in catalogue if m.id and m.string and "fuzzy" not in m.flags}
    assert sorted(map(str, wanted - translated)) == []


def _hashable(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value  # plural forms


def test_compiled_catalogue_matches_the_po_file():
    with (CATALOGUE / "messages.po").open("rb") as f:
        po = {
            _hashable(m.id): _hashable(m.string)
            for m in read_po(f)
            if m.id and m.string and "fuzzy" not in m.flags
        }
    with (CATALOGUE / "messages.mo").open("rb") as f:
        mo = {_hashable(m.id): _hashable(m.string) for m in read_mo(f) if m.id}
    assert mo == po, "run: pybabel compile -d registry/translations"
