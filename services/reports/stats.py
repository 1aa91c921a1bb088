"""The arithmetic of the attestation summary, as pure functions (tested in tests/unit).

Counts of marks: «5», «4», «3», «2» (a «1» is counted with the «2»), «н/а» (not assessed),
«осв» (exempt: left out of every share), «зач»/«незач» (pass/fail subjects).

- Quality of a subject (качество знаний): the «5» and «4» among the five-point marks and «н/а»
  of the subject, in per cent; none for a pass/fail subject.
- Success of a subject (успеваемость): marks other than «2», «1», «н/а», «незач» among all the
  assessed marks (everything but «осв»), in per cent.
- A pupil's standing over all their subjects: «на „5“» (every five-point mark a 5), «на „4“ и
  „5“», «с одной „3“», «с „3“», «неуспевающий» (a «2», «1» or «незач»), «не аттестован» («н/а»
  and no failing mark); a pupil with no mark but «осв» or no mark at all is not attested yet.
- Quality of a class: pupils «на „5“» and «на „4“ и „5“» among the pupils with a mark; success
  of a class: pupils neither failing nor unassessed among them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from services.rules import averages

CATEGORIES = ("excellent", "good", "one_three", "three", "passed", "failing", "not_attested", "none")
CATEGORY_TITLES = {"excellent": "на «5»", "good": "на «4» и «5»", "one_three": "с одной «3»", "three": "с «3»",
                   "passed": "зачтено", "failing": "неуспевающий", "not_attested": "не аттестован",
                   "none": "нет отметок"}


@dataclass(frozen=True)
class MarkCounts:
    five: int = 0
    four: int = 0
    three: int = 0
    two: int = 0          # «2» and «1»
    na: int = 0
    exempt: int = 0
    passed: int = 0
    failed: int = 0

    @property
    def five_point(self) -> int:
        return self.five + self.four + self.three + self.two + self.na

    @property
    def assessed(self) -> int:
        return self.five_point + self.passed + self.failed

    @property
    def quality(self) -> float | None:
        return percent(self.five + self.four, self.five_point) if self.five_point else None

    @property
    def success(self) -> float | None:
        good = self.five + self.four + self.three + self.passed
        return percent(good, self.assessed) if self.assessed else None

    def __add__(self, other: "MarkCounts") -> "MarkCounts":
        return MarkCounts(*(a + b for a, b in zip(self.astuple(), other.astuple())))

    def astuple(self) -> tuple[int, ...]:
        return (self.five, self.four, self.three, self.two, self.na, self.exempt, self.passed, self.failed)


def percent(part: int, whole: int) -> float:
    return 100.0 * part / whole


def count_marks(values: Iterable[str]) -> MarkCounts:
    five = four = three = two = na = exempt = passed = failed = 0
    for v in values:
        if v == "5":
            five += 1
        elif v == "4":
            four += 1
        elif v == "3":
            three += 1
        elif v in ("2", "1"):
            two += 1
        elif v == "н/а":
            na += 1
        elif v == "осв":
            exempt += 1
        elif v == "зач":
            passed += 1
        elif v == "незач":
            failed += 1
    return MarkCounts(five, four, three, two, na, exempt, passed, failed)


def pupil_category(values: Iterable[str]) -> str:
    marks = [v for v in values if v and v != "осв"]
    if not marks:
        return "none"
    if any(v in ("1", "2", "незач") for v in marks):
        return "failing"
    if "н/а" in marks:
        return "not_attested"
    nums = [int(v) for v in marks if v in ("3", "4", "5")]
    if not nums:
        return "passed"
    threes = nums.count(3)
    if threes == 0:
        return "excellent" if all(n == 5 for n in nums) else "good"
    return "one_three" if threes == 1 else "three"


@dataclass(frozen=True)
class Standing:
    """The pupils of a class (or several) by their standing."""
    pupils: int = 0          # pupils counted (in the class at the reference date)
    attested: int = 0        # of them, with at least one mark other than «осв»
    excellent: int = 0
    good: int = 0
    one_three: int = 0
    three: int = 0
    passed: int = 0
    failing: int = 0
    not_attested: int = 0

    @property
    def quality(self) -> float | None:
        return percent(self.excellent + self.good, self.attested) if self.attested else None

    @property
    def success(self) -> float | None:
        return percent(self.attested - self.failing - self.not_attested, self.attested) if self.attested else None

    def __add__(self, other: "Standing") -> "Standing":
        return Standing(*(a + b for a, b in zip(self.astuple(), other.astuple())))

    def astuple(self) -> tuple[int, ...]:
        return (self.pupils, self.attested, self.excellent, self.good, self.one_three, self.three, self.passed,
                self.failing, self.not_attested)


def standing(categories: Iterable[str]) -> Standing:
    cats = list(categories)
    by = {c: cats.count(c) for c in CATEGORIES}
    return Standing(pupils=len(cats), attested=len(cats) - by["none"], excellent=by["excellent"], good=by["good"],
                    one_three=by["one_three"], three=by["three"], passed=by["passed"], failing=by["failing"],
                    not_attested=by["not_attested"])


show_percent = averages.show_percent
