"""The grammar of a journal cell (R-JRN-3): what a teacher may type, as on paper.

A cell holds up to two marks of one work ("5", "5 4", "5/4"), and/or one attendance code:
«Н» absent, «Б» ill, «У» excused, «О» late. Where the subject needs them: «осв» (exempt),
«н/а» (not assessed), «зач», «незач». A late pupil may get marks; an absent one may not.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

ATTENDANCE_CODES = {"Н": "absent", "Б": "ill", "У": "excused", "О": "late"}
ATTENDANCE_LETTERS = {v: k for k, v in ATTENDANCE_CODES.items()}
ATTENDANCE_TITLES = {"absent": "отсутствовал", "ill": "болел", "excused": "уважительная причина",
                     "late": "опоздал"}
FIVE_POINT = ("1", "2", "3", "4", "5")
WORD_MARKS = ("осв", "н/а", "зач", "незач")
MAX_MARKS = 2
# Latin look-alikes typed on an English keyboard layout
_LOOKALIKE = str.maketrans({"H": "Н", "h": "Н", "B": "Б", "Y": "У", "y": "У", "O": "О", "o": "О"})
_WORD_ALIASES = {"осв": "осв", "освоб": "осв", "н/а": "н/а", "на": "н/а", "н\\а": "н/а",
                 "зач": "зач", "зачет": "зач", "зачёт": "зач", "незач": "незач", "незачет": "незач",
                 "незачёт": "незач", "н/з": "незач"}


@dataclass(frozen=True)
class Cell:
    marks: tuple[str, ...] = ()
    attendance: str | None = None  # absent | ill | excused | late

    @property
    def empty(self) -> bool:
        return not self.marks and self.attendance is None


class CellError(ValueError):
    """str(e) says, in Russian, what is wrong with the cell."""


def numeric(value: str) -> int | None:
    return int(value) if value in FIVE_POINT else None


def parse_cell(text: str | None, *, marking: str = "five") -> Cell:
    """Parse what was typed into a cell. `marking` is the subject's: five | pass_fail."""
    if text is None:
        return Cell()
    raw = str(text).strip()
    if not raw:
        return Cell()
    if len(raw) > 20:
        raise CellError("Слишком длинная запись: в клетке — до двух отметок и код посещаемости.")
    tokens = _tokens(raw)
    marks: list[str] = []
    attendance: str | None = None
    for token in tokens:
        word = _WORD_ALIASES.get(token.lower())
        if word is not None:
            if marking == "five" and word in ("зач", "незач"):
                raise CellError(f"«{token}»: по этому предмету ставятся отметки от 1 до 5, а не зачёт.")
            marks.append(word)
            continue
        letter = token.translate(_LOOKALIKE).upper() if len(token) == 1 else token.upper()
        if letter in ATTENDANCE_CODES:
            if attendance is not None:
                raise CellError("В клетке может быть только один код посещаемости (Н, Б, У или О).")
            attendance = ATTENDANCE_CODES[letter]
            continue
        if token.isdigit():
            if token not in FIVE_POINT:
                raise CellError(f"«{token}» — отметка должна быть от 1 до 5.")
            if marking == "pass_fail":
                raise CellError(f"«{token}»: по этому предмету ставится «зач» или «незач».")
            marks.append(token)
            continue
        raise CellError(f"«{token}» — непонятная запись. Допустимо: 1–5, Н, Б, У, О, осв, н/а"
                        + (", зач, незач." if marking == "pass_fail" else "."))
    if len(marks) > MAX_MARKS:
        raise CellError(f"Не больше {MAX_MARKS} отметок за одну работу; для другой работы добавьте столбец.")
    if attendance in ("absent", "ill", "excused") and any(m != "н/а" for m in marks):
        raise CellError("Отсутствовавшему ученику нельзя поставить отметку за урок (кроме «н/а»).")
    words = [m for m in marks if m in WORD_MARKS]
    if words and len(marks) > 1:
        raise CellError(f"«{words[0]}» ставится одна, без других отметок.")
    return Cell(marks=tuple(marks), attendance=attendance)


def _tokens(raw: str) -> list[str]:
    # protect the slash words, then split on spaces, slashes and commas
    protected = re.sub(r"(?i)н\s*/\s*а", "н/а", raw)
    protected = re.sub(r"(?i)н\s*/\s*з", "н/з", protected)
    parts: list[str] = []
    for chunk in re.split(r"[\s,;]+", protected):
        if not chunk:
            continue
        if chunk.lower() in ("н/а", "н/з"):
            parts.append(chunk)
        else:
            parts.extend(p for p in chunk.split("/") if p)
    return parts


def format_cell(cell: Cell) -> str:
    """The text a cell shows: «Н», «5/4», «О 5»."""
    parts = []
    if cell.attendance is not None:
        parts.append(ATTENDANCE_LETTERS[cell.attendance])
    if cell.marks:
        parts.append("/".join(cell.marks))
    return " ".join(parts)
