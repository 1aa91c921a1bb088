"""Results of final works and exams (regulation 2.2): what a valid result is, as pure rules.

- ВПР (Всероссийские проверочные работы), grades 4–11: a primary score and a mark 2–5, no test score;
- ОГЭ, grade 9: a primary score and a mark 2–5, no test score;
- ЕГЭ, grades 10–11: a primary score and a test score 0–100, no mark.

A primary score is a whole number 0–MAX_PRIMARY (the largest maximum of any ВПР, ОГЭ or ЕГЭ in
recent years is under 70; the exact maximum depends on the subject and year, which the portal does
not keep). The date lies in the school year of the result and not in the future.

The objectivity comparison (`difference`): the result's mark minus the pupil's year mark in the
subject — the annual mark of that school year, or, before it is set, the mark of the latest study
period that ended on or before the work's date. A result "differs" when |difference| ≥ 1.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

KINDS: dict[str, str] = {"vpr": "ВПР", "oge": "ОГЭ", "ege": "ЕГЭ"}
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "vpr": ("впр", "всероссийская проверочная работа", "всероссийские проверочные работы", "проверочная работа"),
    "oge": ("огэ", "основной государственный экзамен", "гиа 9", "гиа9"),
    "ege": ("егэ", "единый государственный экзамен", "гиа 11", "гиа11"),
}
GRADES: dict[str, tuple[int, int]] = {"vpr": (4, 11), "oge": (9, 9), "ege": (10, 11)}
MAX_PRIMARY = 100
HAS_TEST_SCORE = frozenset({"ege"})
HAS_MARK = frozenset({"vpr", "oge"})
DIFFERS_BY = 1


def kind_of(text: str) -> str | None:
    """«ВПР», «огэ», «Единый государственный экзамен» → its code; None when not recognised."""
    value = " ".join(str(text or "").lower().replace("ё", "е").replace("-", " ").split())
    if value in KINDS:
        return value
    for code, words in KIND_WORDS.items():
        if value in words:
            return code
    return None


@dataclass(frozen=True)
class Problem:
    field: str      # kind | grade | held_on | primary_score | test_score | mark
    message: str    # Russian


def check(kind: str, primary_score, test_score=None, mark=None, *, grade: int | None = None,
          held_on: date | None = None, today: date | None = None, year_start: int | None = None) -> list[Problem]:
    """Every reason the result is not valid (empty: valid). Scores and mark are ints or None."""
    out: list[Problem] = []
    if kind not in KINDS:
        return [Problem("kind", "вид работы не распознан: допустимо ВПР, ОГЭ, ЕГЭ")]
    title = KINDS[kind]
    if grade is not None:
        lo, hi = GRADES[kind]
        if not lo <= grade <= hi:
            where = f"{lo} класса" if lo == hi else f"{lo}–{hi} классов"
            out.append(Problem("grade", f"{title} пишут ученики {where}, а ученик в {grade} классе"))
    if primary_score is None:
        out.append(Problem("primary_score", "не указан первичный балл"))
    elif not _whole(primary_score) or not 0 <= primary_score <= MAX_PRIMARY:
        out.append(Problem("primary_score", f"первичный балл — целое число от 0 до {MAX_PRIMARY}"))
    if kind in HAS_TEST_SCORE:
        if test_score is None:
            out.append(Problem("test_score", f"для {title} нужен тестовый балл (0–100)"))
        elif not _whole(test_score) or not 0 <= test_score <= 100:
            out.append(Problem("test_score", "тестовый балл — целое число от 0 до 100"))
        if mark is not None:
            out.append(Problem("mark", f"у {title} нет отметки по пятибалльной шкале: оставьте пустым"))
    else:
        if test_score is not None:
            out.append(Problem("test_score", f"у {title} нет тестового балла: оставьте пустым"))
        if mark is None:
            out.append(Problem("mark", f"для {title} нужна отметка 2–5"))
        elif not _whole(mark) or not 2 <= mark <= 5:
            out.append(Problem("mark", "отметка — целое число от 2 до 5"))
    if held_on is not None:
        if today is not None and held_on > today:
            out.append(Problem("held_on", "дата в будущем"))
        if year_start is not None and not date(year_start, 9, 1) <= held_on <= date(year_start + 1, 8, 31):
            out.append(Problem("held_on", f"дата вне {year_start}/{year_start + 1} учебного года"))
    return out


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def difference(mark: int | None, year_mark: int | None) -> int | None:
    """The result's mark minus the year mark (None when either is missing)."""
    if mark is None or year_mark is None:
        return None
    return mark - year_mark


def differs(diff: int | None) -> bool:
    return diff is not None and abs(diff) >= DIFFERS_BY


def year_mark(annual: int | None, periods: list[tuple[date, int | None]], held_on: date) -> int | None:
    """The year mark to compare with: the annual mark, else the numeric mark of the latest period that
    ended on or before the work's date (periods: (end date, numeric mark or None))."""
    if annual is not None:
        return annual
    ended = [(end, value) for end, value in periods if end <= held_on and value is not None]
    return max(ended)[1] if ended else None


def describe(kind: str, primary_score: int | None, test_score: int | None, mark: int | None) -> str:
    """«первичный 18, отметка 4» / «первичный 21, тестовый 72» — as the diary shows it."""
    parts = [f"первичный балл {primary_score}"] if primary_score is not None else []
    if test_score is not None:
        parts.append(f"тестовый балл {test_score}")
    if mark is not None:
        parts.append(f"отметка {mark}")
    return ", ".join(parts)


@dataclass(frozen=True)
class Objectivity:
    """Results with a mark compared with the year marks: how many were compared, how many differ
    by at least one mark, and the mean of (result's mark − year mark)."""
    results: int
    compared: int
    differing: int
    mean_difference: float | None

    @property
    def share(self) -> float | None:
        """Share of the compared results that differ, in percent (None when none were compared)."""
        return 100 * self.differing / self.compared if self.compared else None


def objectivity(pairs) -> Objectivity:
    """pairs: (result's mark, year mark) of each result; a result without a mark (ЕГЭ) or without a
    year mark is counted among the results but not compared."""
    pairs = list(pairs)
    diffs = [d for d in (difference(m, y) for m, y in pairs) if d is not None]
    return Objectivity(len(pairs), len(diffs), sum(1 for d in diffs if differs(d)),
                       sum(diffs) / len(diffs) if diffs else None)
