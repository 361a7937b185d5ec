"""What the R_t estimate refuses: one error class, its message bilingual (Vietnamese
first), so that the CLI prints it as it is and the caller of the library can show it."""

from __future__ import annotations


class RtInputError(ValueError):
    """Input EpiEstim would reject (or that the CSV formats forbid): the message is
    "<tiếng Việt> / <English>"."""

    def __init__(self, vietnamese: str, english: str) -> None:
        super().__init__(f"{vietnamese} / {english}")
        self.vietnamese = vietnamese
        self.english = english
