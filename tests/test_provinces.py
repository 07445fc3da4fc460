"""The 34 provincial-level units of Resolution 202/2025/QH15 and the 63 they replaced."""

import pytest

from registry.provinces import MERGED_FROM, PROVINCES, canonical_province

OLD_63 = """An Giang, Bà Rịa - Vũng Tàu, Bạc Liêu, Bắc Giang, Bắc Kạn, Bắc Ninh, Bến Tre,
Bình Dương, Bình Định, Bình Phước, Bình Thuận, Cà Mau, Cao Bằng, Cần Thơ, Đà Nẵng, Đắk Lắk,
Đắk Nông, Điện Biên, Đồng Nai, Đồng Tháp, Gia Lai, Hà Giang, Hà Nam, Hà Nội, Hà Tĩnh,
Hải Dương, Hải Phòng, Hậu Giang, Hòa Bình, Hồ Chí Minh, Hưng Yên, Khánh Hòa, Kiên Giang,
Kon Tum, Lai Châu, Lạng Sơn, Lào Cai, Lâm Đồng, Long An, Nam Định, Nghệ An, Ninh Bình,
Ninh Thuận, Phú Thọ, Phú Yên, Quảng Bình, Quảng Nam, Quảng Ngãi, Quảng Ninh, Quảng Trị,
Sóc Trăng, Sơn La, Tây Ninh, Thái Bình, Thái Nguyên, Thanh Hóa, Thừa Thiên Huế, Tiền Giang,
Trà Vinh, Tuyên Quang, Vĩnh Long, Vĩnh Phúc, Yên Bái"""


def test_34_units_absorb_each_of_the_63_earlier_provinces_once():
    old = [name.strip() for name in OLD_63.split(",")]
    assert len(old) == 63 and len(PROVINCES) == 34
    units = [canonical_province(name) for name in old]
    assert None not in units and set(units) == set(PROVINCES)


@pytest.mark.parametrize(
    ("typed", "unit"),
    [
        ("Tỉnh Hà Giang", "Tuyên Quang"),
        ("TP. Hồ Chí Minh", "Hồ Chí Minh"),
        ("tp hcm", "Hồ Chí Minh"),
        ("ba ria vung tau", "Hồ Chí Minh"),
        ("Thành phố Huế", "Huế"),
        ("Thừa Thiên - Huế", "Huế"),
        ("NAM ĐỊNH", "Ninh Bình"),
        ("Đăk Nông", "Lâm Đồng"),
        ("Hoà Bình", "Phú Thọ"),
        ("Quảng Nam", "Đà Nẵng"),
    ],
)
def test_old_names_and_spellings_map_to_the_unit_in_force(typed, unit):
    assert canonical_province(typed) == unit


@pytest.mark.parametrize("typed", ["", None, "Atlantis", "Hà"])
def test_a_name_of_no_province_maps_to_nothing(typed):
    assert canonical_province(typed) is None


def test_every_unit_lists_itself_among_what_it_absorbed():
    assert all(unit in olds for unit, olds in MERGED_FROM.items())
