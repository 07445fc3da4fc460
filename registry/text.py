"""Text as people type it: NFC-normalised, trimmed, and folded for accent-insensitive search.

Also the one rule for characters no text may hold (`control_characters_anywhere`): web forms,
API bodies, imports and URLs all ask it (registry/security.py applies it to every
request), so a NUL byte is refused with a 400 before anything reaches the database.
"""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# C0 controls and DEL, except tab, line feed and carriage return (a text area's lines;
# white space is collapsed anyway where a single line is expected). The same set as the
# API's text pattern (registry/api/input.py), so that both refuse the same input.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bidirectional controls reorder what is printed ("U+202E" turns a name around on a
# certificate): they are removed from stored text.
_BIDI_CONTROLS = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def control_characters_anywhere(data):
    """Whether a string, or any key or string inside lists and dicts, holds a control
    character. Walked without recursion: a deeply nested body cannot exhaust the stack."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _CONTROL.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
    return False


def strip_bidi_controls(value):
    return _BIDI_CONTROLS.sub("", value)


def clean_text(value):
    """NFC-normalise, drop bidi controls and collapse runs of white space; blanks are None."""
    if value is None:
        return None
    value = strip_bidi_controls(unicodedata.normalize("NFC", str(value)))
    value = _SPACES.sub(" ", value).strip()
    return value or None


def clean_email(value):
    value = clean_text(value)
    return value.lower() if value else None


def search_key(value):
    """Fold to lower case without diacritics: 'Nguyễn Văn Đức' -> 'nguyen van duc'."""
    if not value:
        return ""
    value = unicodedata.normalize("NFD", value.replace("Đ", "D").replace("đ", "d"))
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    return _SPACES.sub(" ", value.casefold()).strip()


# The Vietnamese alphabet (with f, j, w, z of foreign words): ă, â, đ, ê, ô, ơ, ư are
# letters of their own, each after its base letter; tones only break ties.
_ALPHABET = {letter: rank for rank, letter in enumerate("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")}
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def vietnamese_order(value):
    """A sort key for Vietnamese alphabetical order: 'Cao Bằng' before 'Cần Thơ',
    'Lào Cai' before 'Lâm Đồng', a shorter word before a longer one."""
    letters, tones = [], []
    for ch in unicodedata.normalize("NFD", (value or "").casefold()):
        if ch in _LETTER_MARKS and letters:
            letters[-1] = unicodedata.normalize("NFC", letters[-1] + ch)
        elif ch in _TONES and tones:
            tones[-1] = _TONES[ch]
        elif not unicodedata.combining(ch):
            letters.append(ch)
            tones.append(0)
    ranks = tuple((1, _ALPHABET[ch]) if ch in _ALPHABET else (0, ord(ch)) for ch in letters)
    return ranks, tuple(tones), value or ""
