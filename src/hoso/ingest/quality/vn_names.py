"""What a Vietnamese name looks like: the common family names, and the shape of a
syllable, to catch names typed without marks, in capitals or with a slip of the finger.

A syllable is (initial consonant)(glide o/u)(nucleus)(final): "nguyễn" is ng·u·yê·n once
the tone mark is set aside. A letter deleted or two swapped ("Nugyễn") usually breaks
that shape; a slip to a nearby letter or mark often does not, so these checks catch part
of the typos only, and say so ("information", for a person to look at).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from hoso.core.text import fold

__all__ = ["FAMILY_NAMES", "is_known_family", "is_syllable", "marks_expected"]

# Common family names (họ), canonical spellings. Kinh names first, then names frequent
# among Hoa (Lý, Trương, Quách, Diệp …) and Khmer (Thạch, Danh, Sơn, Kim …) families in
# the south. Not a closed list: a name outside it is only worth a look.
_FAMILY_TEXT = """
Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Trương Lâm Đoàn
Đinh Châu Mai Cao Lương Hà Tô Lưu Tạ Thái Quách La Thạch Từ Kiều Diệp Phùng Tăng Giang
Danh Mạc Nghiêm Triệu Văn Âu Bạch Biện Bế Cù Chu Chung Công Cung Đàm Đào Đồng Đường Hàn
Hầu Hứa Khổng Khúc Kim Kha Lại Lạc Lục Lã Lữ Liêu Lò Mã Mạch Mẫn Nhan Ninh Nông Ông Ôn
Phó Phí Phương Quan Sơn Thân Thiều Tiêu Tiết Tôn Tống Trịnh Trình Ung Uông Viên Vương Vi
Yên Khu Lỗ Nhâm Tất Thi Trà Ngụy Vòng Lai Hoa Đàng Kiên Lư Mông Sầm Sử Tào Thạc Thang
"""
FAMILY_NAMES = frozenset(_FAMILY_TEXT.split())

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền sắc ngã hỏi nặng
_SYLLABLE = re.compile(
    r"(ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdđghklmnprstvx])?"  # initial
    r"[ou]?"  # glide: hoa, quy, tuyết
    r"(iê|yê|ia|uô|ua|ươ|ưa|[aăâeêioôơuưy])"  # nucleus
    r"(ch|ng|nh|[cmnpt]|[iyou])?"  # final
)


def without_tone(word: str) -> str:
    """ "Nguyễn" → "nguyên": tone marks dropped, vowel letters (ă â ê ô ơ ư) kept."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))


def is_syllable(word: str) -> bool:
    """Whether `word` has the shape of one Vietnamese syllable."""
    return _SYLLABLE.fullmatch(without_tone(word)) is not None


@cache
def _spellings() -> dict[str, frozenset[str]]:
    by_fold: dict[str, set[str]] = {}
    for name in FAMILY_NAMES:
        by_fold.setdefault(fold(name), set()).add(name)
    return {k: frozenset(v) for k, v in by_fold.items()}


def is_known_family(name: str) -> bool:
    """Exactly a listed spelling (case aside): "Nguyên" for "Nguyễn" is not."""
    normal = unicodedata.normalize("NFC", name.strip())
    return normal[:1].upper() + normal[1:].lower() in FAMILY_NAMES


def marks_expected(name: str) -> bool:
    """A family name written without marks whose every listed spelling has them
    ("Nguyen", "Tran"; not "Phan" or "Mai", which have none)."""
    if not name.isascii():
        return False
    spellings = _spellings().get(fold(name))
    return bool(spellings) and all(not s.isascii() for s in spellings)
