"""Vietnamese text normalisation shared by indexing and search.

`fold` makes "Nguyễn Văn Ân", "NGUYEN VAN AN" and "nguyen  van an" compare equal: NFD
decomposition drops the combining marks, and đ/Đ (a separate letter, not a mark) is
folded by hand because Unicode gives it no decomposition.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_D_TABLE = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Case-, diacritic- and whitespace-insensitive form of `text`."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_TABLE))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().casefold()
