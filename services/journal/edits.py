"""What a save of the journal takes and gives back, shared by the grid that loads it
(services/journal/grid.py) and the save that writes it (services/journal/save.py): the edited
cells, the problems found in them, the result, and the journal's refusals."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


class JournalError(ValueError):
    """str(e) is a Russian message for the user."""


@dataclass(frozen=True)
class CellChange:
    student_id: int
    lesson_id: int
    work_id: int | None
    old: str
    new: str


@dataclass(frozen=True)
class CellProblem:
    student_id: int
    pupil: str
    lesson_date: date | None
    message: str


@dataclass
class SaveResult:
    saved: int = 0
    errors: list[CellProblem] = field(default_factory=list)
    conflicts: list[CellProblem] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.conflicts


def person_name(last: str, first: str) -> str:
    return f"{last} {first}".strip()


def closed_message(start_year: int) -> str:
    return (f"Учебный год {start_year}/{start_year + 1} закрыт: его журнал доступен только для чтения, "
            "отметки, посещаемость и уроки в нём не изменяются.")
