"""Vietnamese names as they are found in Ho Chi Minh City, with their frequencies.

A full name is `Họ [tên đệm…] Tên`: a family name, one or two middle names and a
given name. The weights are rough shares, southern flavoured (Huỳnh and Võ are far more
common in the south than Hoàng and Vũ; Lý, Trương, Lâm among Hoa families; Thạch and
Danh among Khmer). Văn and Thị dominate older generations and fade in the young, who
also more often carry two middle names. Wives keep their own family name.
"""

from __future__ import annotations

from random import Random

from hoso.synth.sampling import Weighted

FAMILY = Weighted([
    ("Nguyễn", 34.0), ("Trần", 11.0), ("Lê", 9.0), ("Phạm", 6.0), ("Huỳnh", 5.0),
    ("Võ", 4.5), ("Phan", 4.5), ("Trương", 1.3), ("Đặng", 2.0), ("Bùi", 1.8), ("Đỗ", 1.5),
    ("Hồ", 1.5), ("Ngô", 1.3), ("Hoàng", 1.2), ("Vũ", 1.2), ("Dương", 1.0), ("Lý", 1.0),
    ("Lâm", 1.0), ("Đoàn", 0.7), ("Đinh", 0.7), ("Châu", 0.6), ("Mai", 0.6), ("Cao", 0.5),
    ("Lương", 0.5), ("Hà", 0.4), ("Tô", 0.4), ("Lưu", 0.4), ("Tạ", 0.3), ("Thái", 0.3),
    ("Quách", 0.3), ("La", 0.3), ("Thạch", 0.3), ("Từ", 0.2), ("Kiều", 0.2), ("Diệp", 0.2),
    ("Phùng", 0.2), ("Tăng", 0.2), ("Giang", 0.2), ("Danh", 0.2), ("Mạc", 0.1),
    ("Nghiêm", 0.1), ("Triệu", 0.2), ("Văn", 0.1),
])  # fmt: skip

_MIDDLE = {
    ("male", False): [
        ("Văn", 38), ("Minh", 8), ("Hữu", 6), ("Đức", 5), ("Quốc", 6), ("Thành", 5),
        ("Công", 4), ("Thanh", 4), ("Hoàng", 3), ("Ngọc", 3), ("Tấn", 5), ("Trọng", 2),
        ("Xuân", 2), ("Quang", 4), ("Duy", 2), ("Phước", 3), ("Thế", 2), ("Đình", 2),
        ("Bá", 1), ("Kim", 1),
    ],
    ("male", True): [
        ("Văn", 9), ("Minh", 12), ("Gia", 9), ("Hoàng", 7), ("Quốc", 6), ("Anh", 6),
        ("Bảo", 6), ("Nhật", 5), ("Đăng", 4), ("Thành", 4), ("Duy", 4), ("Tấn", 3),
        ("Khánh", 3), ("Hữu", 3), ("Đức", 4), ("Trung", 2), ("Thiên", 2), ("Phúc", 2),
    ],
    ("female", False): [
        ("Thị", 48), ("Ngọc", 10), ("Thu", 5), ("Thanh", 5), ("Kim", 5), ("Mỹ", 4),
        ("Hồng", 4), ("Phương", 3), ("Bích", 3), ("Minh", 2), ("Thùy", 3), ("Xuân", 2),
        ("Tuyết", 1), ("Diễm", 1),
    ],
    ("female", True): [
        ("Thị", 12), ("Ngọc", 11), ("Bảo", 6), ("Khánh", 6), ("Gia", 5), ("Minh", 6),
        ("Phương", 5), ("Quỳnh", 4), ("Thảo", 3), ("Hoàng", 3), ("Tường", 2), ("Như", 4),
        ("Thùy", 5), ("Mai", 3), ("Yến", 2), ("Thanh", 4), ("Hồng", 2), ("Kim", 3),
    ],
}  # fmt: skip
_GIVEN = {
    ("male", False): [
        ("Hùng", 5), ("Dũng", 5), ("Minh", 4), ("Tuấn", 5), ("Hải", 4), ("Sơn", 4),
        ("Thắng", 3), ("Cường", 3), ("Long", 4), ("Phúc", 3), ("Tâm", 3), ("Thành", 4),
        ("Hòa", 3), ("Bình", 3), ("Trung", 3), ("Hưng", 3), ("Nam", 3), ("Vinh", 3),
        ("Tài", 2), ("Lộc", 2), ("Nghĩa", 2), ("Phong", 2), ("Quang", 2), ("Toàn", 2),
        ("Hiếu", 2), ("Thuận", 2), ("Lợi", 2), ("Tùng", 2), ("Trí", 2), ("Đông", 2),
        ("Danh", 1), ("Tín", 1), ("Hậu", 1), ("Nhân", 2), ("Việt", 2), ("Đạt", 2),
    ],
    ("male", True): [
        ("Huy", 5), ("Khang", 5), ("Bảo", 4), ("Khôi", 4), ("Phúc", 4), ("An", 4),
        ("Minh", 4), ("Kiệt", 3), ("Nam", 3), ("Quân", 4), ("Khoa", 3), ("Duy", 3),
        ("Long", 3), ("Đạt", 3), ("Thịnh", 2), ("Tú", 2), ("Hiếu", 2), ("Phát", 3),
        ("Tín", 2), ("Thiện", 2), ("Nhân", 2), ("Vinh", 2), ("Lâm", 2), ("Hoàng", 2),
        ("Tuấn", 3), ("Trí", 2), ("Hưng", 2), ("Sơn", 1), ("Việt", 2), ("Tâm", 1),
    ],
    ("female", False): [
        ("Lan", 4), ("Hoa", 4), ("Hồng", 3), ("Tuyết", 3), ("Cúc", 2), ("Liên", 2),
        ("Lệ", 2), ("Nga", 3), ("Hạnh", 3), ("Dung", 3), ("Loan", 3), ("Hương", 4),
        ("Mai", 4), ("Thủy", 3), ("Hằng", 3), ("Phượng", 2), ("Oanh", 2), ("Yến", 3),
        ("Trang", 3), ("Hà", 3), ("Nhung", 2), ("Thảo", 3), ("Hiền", 3), ("Vân", 3),
        ("Diễm", 2), ("Thúy", 3), ("Xuân", 2), ("Tâm", 2), ("Ngọc", 2), ("Bích", 1),
    ],
    ("female", True): [
        ("Vy", 5), ("Nhi", 5), ("Anh", 5), ("Ngân", 4), ("Trâm", 3), ("Thư", 4),
        ("Uyên", 3), ("Hân", 4), ("An", 4), ("Như", 3), ("My", 3), ("Trân", 3),
        ("Tiên", 3), ("Linh", 5), ("Trang", 4), ("Thảo", 4), ("Quyên", 2), ("Giang", 2),
        ("Chi", 3), ("Phương", 3), ("Quỳnh", 3), ("Duyên", 2), ("Ly", 3), ("Hương", 2),
        ("Yến", 2), ("Khánh", 2), ("Châu", 2), ("Hà", 2), ("Mai", 2), ("Trinh", 2),
    ],
}  # fmt: skip

MIDDLE = {key: Weighted(pairs) for key, pairs in _MIDDLE.items()}
GIVEN = {key: Weighted(pairs) for key, pairs in _GIVEN.items()}
MODERN_FROM = 1990  # born from this year on: the modern tables


def draw_given(rng: Random, sex: str, birth_year: int) -> list[str]:
    """[middle…, given]: one middle name, two for a share of the young."""
    modern = birth_year >= MODERN_FROM
    middle = MIDDLE[sex, modern]
    names = [middle.pick(rng)]
    if modern and rng.random() < 0.12:
        second = middle.pick(rng)
        if second not in names and second not in ("Văn", "Thị"):
            names.append(second)
    given = GIVEN[sex, modern].pick(rng)
    if given in names:  # "Minh Minh" does not happen
        given = GIVEN[sex, modern].pick(rng)
    names.append(given)
    return names


def full_text(family: str, given: list[str]) -> str:
    return " ".join((family, *given))
