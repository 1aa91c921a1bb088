"""Who may write to whom (R-COM-1; regulation 3.4, 4.3, 4.4): pure functions of plain facts.

The facts about a person are taken in ONE school — the school of the conversation:

* staff (any staff role there) write to the other staff of that school, and to the guardians
  and pupils of the classes they teach (teaching assignment or lessons of this school year) or
  lead (class teacher);
* guardians and pupils write only to the staff of their own (their children's) current classes:
  the class teacher and the subject teachers of those classes;
* guardians and pupils never write to each other; nobody writes into another school.

A person may be both (a teacher whose child studies at the school): any way that allows is
enough. Policy (services/core/policy.py) still says who may use messaging at all; this module says
to whom. `services/comms/messages.py` builds the `Party` facts from the database and calls
`may_write` for every recipient of every message, replies included.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Party:
    """One person as seen in one school."""
    user_id: int
    school_id: int | None                            # the school these facts describe; None: no role there
    active: bool = True
    is_staff: bool = False                           # holds a staff role in this school
    staff_class_ids: frozenset[int] = frozenset()    # classes they teach or lead (as staff)
    family_class_ids: frozenset[int] = frozenset()   # current classes of their children / of themselves
    is_pupil: bool = False                           # the family link is their own (a pupil), not a child's

    @property
    def is_family(self) -> bool:
        return bool(self.family_class_ids)

    @property
    def belongs(self) -> bool:
        return self.school_id is not None and (self.is_staff or self.is_family)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""  # Russian, for the user, when refused


ALLOWED = Verdict(True)
SELF = "Нельзя написать самому себе."
NOT_MEMBER = "Вы не можете писать от имени этой школы: у вас нет в ней роли сотрудника, ученика или родителя."
OTHER_SCHOOL = "Получатель не относится к этой школе: писать в другую школу нельзя."
DISABLED = "Учётная запись получателя отключена."
NO_CLASS = ("Вы (или ваш ребёнок) сейчас не числитесь ни в одном классе этой школы: писать через портал "
            "можно только учителям своего класса.")
RECIPIENT_NO_CLASS = "Получатель сейчас не числится ни в одном классе этой школы."
STAFF_TO_FAMILY = ("Сотрудник может писать родителям и ученикам только тех классов, в которых ведёт уроки "
                   "или классное руководство.")
FAMILY_TO_STAFF = ("Родители и ученики могут писать только классному руководителю и учителям "
                   "своего класса (класса своего ребёнка).")
FAMILY_TO_FAMILY = ("Родители и ученики не пишут друг другу через портал: писать можно классному "
                    "руководителю и учителям класса.")


def may_write(sender: Party, recipient: Party, school_id: int) -> Verdict:
    """May `sender` write to `recipient` in a conversation of school `school_id`?"""
    if sender.user_id == recipient.user_id:
        return Verdict(False, SELF)
    if sender.school_id != school_id:
        return Verdict(False, NOT_MEMBER)
    if not sender.belongs:
        return Verdict(False, NO_CLASS)
    if recipient.school_id != school_id:
        return Verdict(False, OTHER_SCHOOL)
    if not recipient.belongs:
        return Verdict(False, RECIPIENT_NO_CLASS)
    if not recipient.active:
        return Verdict(False, DISABLED)
    if sender.is_staff:
        if recipient.is_staff:
            return ALLOWED
        if recipient.family_class_ids & sender.staff_class_ids:
            return ALLOWED
    if sender.is_family and recipient.is_staff and recipient.staff_class_ids & sender.family_class_ids:
        return ALLOWED
    if sender.is_staff:
        return Verdict(False, STAFF_TO_FAMILY)
    if recipient.is_staff:
        return Verdict(False, FAMILY_TO_STAFF)
    return Verdict(False, FAMILY_TO_FAMILY)


# ------------------------------------------------------------------ announcements
AUDIENCE_SCHOOL, AUDIENCE_STAFF = "school", "staff"


def parse_audience(text: str) -> tuple[str, int | None]:
    """'class:12' → ('class', 12); 'grade:5' → ('grade', 5); 'school' / 'staff' → (kind, None).
    Raises ValueError with a Russian message for anything else."""
    text = (text or "").strip()
    if text in (AUDIENCE_SCHOOL, AUDIENCE_STAFF):
        return text, None
    kind, _, value = text.partition(":")
    if kind in ("class", "grade") and value.strip().isdigit():
        number = int(value)
        if kind == "grade" and not 1 <= number <= 11:
            raise ValueError(f"Параллель «{value}»: нужна цифра от 1 до 11.")
        return kind, number
    raise ValueError(f"Неизвестные адресаты объявления «{text}»: класс, параллель, вся школа или сотрудники.")


def audience_text(kind: str, value: int | None, class_names: dict[int, str] | None = None) -> str:
    """The audience in Russian: «5А класс», «5-е классы», «вся школа», «сотрудники школы»."""
    if kind == "class":
        return f"{(class_names or {}).get(value, value)} класс"
    if kind == "grade":
        return f"{value}-е классы"
    if kind == AUDIENCE_STAFF:
        return "сотрудники школы"
    return "вся школа"
