"""Period, annual, exam and final marks (1.11, 1.13; R-JRN-5): not for subjects «Без аттестации»."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from models import CurriculumItem, PeriodMark, Student, StudyPeriod
from models.db import transaction
from services.core import audit, clock, policy, targets
from services.core.actor import Actor
from services.journal import period_owner
from services.journal.grid import closed_year
from services.rules.cells import numeric

KINDS = {"period": "за период", "annual": "годовая", "exam": "экзаменационная", "final": "итоговая"}
VALUES_FIVE = ("1", "2", "3", "4", "5", "н/а", "осв")
VALUES_PASS = ("зач", "незач", "н/а", "осв")


class PeriodMarkError(ValueError):
    pass


@dataclass(frozen=True)
class PeriodMarkChange:
    student_id: int
    old: str
    new: str


def normalise(text: str, marking: str) -> str:
    value = (text or "").strip().lower().replace("ё", "е")
    value = {"зачет": "зач", "незачет": "незач", "на": "н/а"}.get(value, value)
    allowed = VALUES_PASS if marking == "pass_fail" else VALUES_FIVE
    if value and value not in allowed:
        raise PeriodMarkError(f"«{text}» — допустимо: {', '.join(allowed)}.")
    return value


def save(actor: Actor, class_id: int, subject_id: int, period_id: int | None, changes: list[PeriodMarkChange],
         kind: str = "period") -> int:
    """Save period marks of a class in a subject; all or nothing; returns how many changed."""
    if kind not in KINDS:
        raise PeriodMarkError(f"Неизвестный вид отметки «{kind}».")
    with transaction() as tx:
        return _save(tx, actor, class_id, subject_id, period_id, changes, kind, clock.now())


def save_year(actor: Actor, class_id: int, subject_id: int, changes: dict[str, list[PeriodMarkChange]]) -> int:
    """Annual, exam and final marks of a class in a subject in one transaction: all or nothing."""
    unknown = [k for k in changes if k not in KINDS or k == "period"]
    if unknown:
        raise PeriodMarkError(f"Неизвестный вид отметки «{unknown[0]}».")
    now = clock.now()
    with transaction() as tx:
        return sum(_save(tx, actor, class_id, subject_id, None, rows, kind, now)
                   for kind, rows in changes.items() if rows)


def year_marks(actor: Actor, class_id: int, subject_id: int) -> dict[str, dict[int, str]]:
    """The annual, exam and final marks of the class's year in a subject: kind → pupil → value."""
    from models import SchoolClass
    from models.db import reading
    with reading() as tx:
        policy.require(actor, "journal.view", targets.for_class(tx, class_id, subject_id))
        cls = tx.get(SchoolClass, class_id)
        rows = tx.exec(select(PeriodMark.kind, PeriodMark.student_id, PeriodMark.value).where(
            PeriodMark.school_id == cls.school_id, PeriodMark.year_id == cls.year_id,
            PeriodMark.kind.in_(["annual", "exam", "final"]), PeriodMark.subject_id == subject_id)).all()
    out: dict[str, dict[int, str]] = {"annual": {}, "exam": {}, "final": {}}
    for kind, student_id, value in rows:
        out[kind][student_id] = value
    return out


def _save(tx, actor: Actor, class_id: int, subject_id: int, period_id: int | None, changes: list[PeriodMarkChange],
          kind: str, now) -> int:
    """One kind of marks of a class in a subject, in the caller's transaction; raises on any problem."""
    target = targets.for_class(tx, class_id, subject_id)
    policy.require(actor, "period_mark.edit", target)
    targets.require_pupils_of(tx, actor, "period_mark.edit", target, [c.student_id for c in changes])
    item = tx.exec(select(CurriculumItem).where(CurriculumItem.class_id == class_id,
                                                CurriculumItem.subject_id == subject_id)).first()
    closed = closed_year(tx, {class_id})
    if closed:
        raise PeriodMarkError(closed)
    if item is not None and item.no_attestation:
        raise PeriodMarkError("Предмет «Без аттестации»: отметки за период не выставляются.")
    marking = item.marking if item else "five"
    period = tx.get(StudyPeriod, period_id) if period_id else None
    if kind == "period" and (period is None or period.school_id != target.school_id):
        raise PeriodMarkError("Не выбран учебный период.")
    from models import SchoolClass
    year_id = period.year_id if period else tx.get(SchoolClass, class_id).year_id
    ids = [c.student_id for c in changes]
    names = dict(tx.exec(select(Student.id, Student.last_name).where(Student.id.in_(ids))).all()) if ids else {}
    existing = {m.student_id: m for m in tx.exec(select(PeriodMark).where(
        PeriodMark.school_id == target.school_id, PeriodMark.subject_id == subject_id,
        PeriodMark.kind == kind, PeriodMark.student_id.in_(ids),
        (PeriodMark.period_id == period_id) if kind == "period" else PeriodMark.year_id == year_id)).all()}
    # R-CON-4: a pupil who changed class gets the period mark in the class they are in at the
    # end of the period; every other class of the period shows it read-only
    owners = period_owner.owners(tx, target.school_id, ids, period.starts_on, period.ends_on) \
        if kind == "period" else {}
    changed = 0
    problems = []
    for ch in changes:
        owner = owners.get(ch.student_id)
        if owner is not None and owner[0] != class_id:
            problems.append(f"{names.get(ch.student_id, ch.student_id)}: отметку за {period.name} выставляют "
                            f"в классе {owner[1]}, куда ученик переведён; здесь она только для просмотра.")
            continue
        try:
            value = normalise(ch.new, marking)
        except PeriodMarkError as e:
            problems.append(f"{names.get(ch.student_id, ch.student_id)}: {e}")
            continue
        row = existing.get(ch.student_id)
        current = row.value if row else ""
        if current != (ch.old or ""):
            problems.append(f"{names.get(ch.student_id, ch.student_id)}: отметку уже изменили "
                            f"(сейчас «{current or 'пусто'}»). Обновите журнал.")
            continue
        if current == value:
            continue
        if row is not None and not value:
            tx.delete(row)
        elif row is not None:
            row.value, row.numeric, row.version, row.entered_at = value, numeric(value), row.version + 1, now
            row.class_id = class_id
            row.entered_by_user_id = actor.user_id
            tx.add(row)
        else:
            tx.add(PeriodMark(school_id=target.school_id, year_id=year_id, student_id=ch.student_id,
                              subject_id=subject_id, class_id=class_id,
                              period_id=period_id if kind == "period" else None, kind=kind, value=value,
                              numeric=numeric(value), entered_at=now, entered_by_user_id=actor.user_id))
        audit.record(tx, actor, "mark.changed", school_id=target.school_id, entity="period_mark",
                     entity_id=f"{kind}:{period_id or year_id}:{subject_id}:{ch.student_id}",
                     old={"marks": [current]} if current else None, new={"marks": [value]} if value else None,
                     detail=f"kind={kind}; class={class_id}; subject={subject_id}; student={ch.student_id}")
        changed += 1
    if problems:
        raise PeriodMarkError("; ".join(problems))
    return changed
