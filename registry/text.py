"""Text as people type it: NFC-normalised, trimmed, and folded for accent-insensitive search."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def clean_text(value):
    """NFC-normalise and collapse runs of white space; None and blanks stay None."""
    if value is None:
        return None
    value = _SPACES.sub(" ", unicodedata.normalize("NFC", str(value))).strip()
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
