"""The 34 provincial-level units in force since 1 July 2025 (Resolution 202/2025/QH15 of the
National Assembly), and which of the 63 earlier provinces each absorbed.

Data, not configuration: the list changes only by law. `canonical_province` maps any earlier
or current name (accents, case, "Tỉnh"/"Thành phố"/"TP." ignored) to the unit in force now.
"""

from flask_babel import lazy_gettext as _l

from registry.text import search_key, vietnamese_order

# Unit in force → the earlier provinces it absorbed (the unit's own old name included).
MERGED_FROM = {
    # Six centrally-run cities
    "Hà Nội": ("Hà Nội",),
    "Huế": ("Huế", "Thừa Thiên Huế", "Thừa Thiên - Huế"),
    "Hải Phòng": ("Hải Phòng", "Hải Dương"),
    "Đà Nẵng": ("Đà Nẵng", "Quảng Nam"),
    "Hồ Chí Minh": ("Hồ Chí Minh", "Sài Gòn", "Bình Dương", "Bà Rịa - Vũng Tàu", "Bà Rịa Vũng Tàu"),
    "Cần Thơ": ("Cần Thơ", "Sóc Trăng", "Hậu Giang"),
    # Twenty-eight provinces
    "Lai Châu": ("Lai Châu",),
    "Điện Biên": ("Điện Biên",),
    "Sơn La": ("Sơn La",),
    "Lạng Sơn": ("Lạng Sơn",),
    "Quảng Ninh": ("Quảng Ninh",),
    "Thanh Hóa": ("Thanh Hóa", "Thanh Hoá"),
    "Nghệ An": ("Nghệ An",),
    "Hà Tĩnh": ("Hà Tĩnh",),
    "Cao Bằng": ("Cao Bằng",),
    "Tuyên Quang": ("Tuyên Quang", "Hà Giang"),
    "Lào Cai": ("Lào Cai", "Yên Bái"),
    "Thái Nguyên": ("Thái Nguyên", "Bắc Kạn", "Bắc Cạn"),
    "Phú Thọ": ("Phú Thọ", "Vĩnh Phúc", "Hòa Bình", "Hoà Bình"),
    "Bắc Ninh": ("Bắc Ninh", "Bắc Giang"),
    "Hưng Yên": ("Hưng Yên", "Thái Bình"),
    "Ninh Bình": ("Ninh Bình", "Hà Nam", "Nam Định"),
    "Quảng Trị": ("Quảng Trị", "Quảng Bình"),
    "Quảng Ngãi": ("Quảng Ngãi", "Kon Tum"),
    "Gia Lai": ("Gia Lai", "Bình Định"),
    "Khánh Hòa": ("Khánh Hòa", "Khánh Hoà", "Ninh Thuận"),
    "Lâm Đồng": ("Lâm Đồng", "Đắk Nông", "Đăk Nông", "Bình Thuận"),
    "Đắk Lắk": ("Đắk Lắk", "Đăk Lăk", "Phú Yên"),
    "Đồng Nai": ("Đồng Nai", "Bình Phước"),
    "Tây Ninh": ("Tây Ninh", "Long An"),
    "Vĩnh Long": ("Vĩnh Long", "Bến Tre", "Trà Vinh"),
    "Đồng Tháp": ("Đồng Tháp", "Tiền Giang"),
    "Cà Mau": ("Cà Mau", "Bạc Liêu"),
    "An Giang": ("An Giang", "Kiên Giang"),
}

PROVINCES = tuple(sorted(MERGED_FROM, key=vietnamese_order))

_PREFIXES = ("thanh pho ", "tp. ", "tp ", "tinh ")


def _key(name):
    key = " ".join(search_key(name or "").replace("–", "-").replace(".", ". ").split())
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix) :].strip()
    return key.replace(" - ", " ").replace("-", " ")


_BY_KEY = {_key(old): unit for unit, olds in MERGED_FROM.items() for old in (unit, *olds)}
_BY_KEY.update({"hcm": "Hồ Chí Minh", "tp hcm": "Hồ Chí Minh", "tphcm": "Hồ Chí Minh"})


def canonical_province(name):
    """The unit in force for a current or earlier province name; None when it names none."""
    return _BY_KEY.get(_key(name))


def unknown_province(name):
    """The message refusing `name`, which names no province (see `canonical_province`)."""
    return _l(
        "“%(name)s” is not one of the 34 provinces and centrally-run cities in force since"
        " 1 July 2025; choose one from the list (an earlier name of a merged province is"
        " accepted).",
        name=name,
    )
