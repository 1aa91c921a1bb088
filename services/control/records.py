"""The internal control recorded (5.10, 5.11): a deputy's (or the director's) monthly check of the
journals and the control at the end of a study period — who checked which classes and journals,
when, what was found and what was ordered — as dated control acts; a deputy records them for
their parallels only. The months and the ended periods of the year without one are flagged."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import select

from models import ControlAct, SchoolClass, StudyPeriod
from models.db import reading, transaction
from services.control import acts as control
from services.control.acts import ControlError
from services.core import audit, clock, policy, targets
from services.core.actor import Actor
from services.core.schools import school_target

KINDS = {k: control.KINDS[k] for k in ("monthly_check", "period_control")}
TEXT_MAX, LIST_MAX = 20000, 2000


@dataclass(frozen=True)
class CheckRecord:
    id: int
    kind: str
    held_on: date
    author: str
    classes: str
    journals: str
    findings: str
    orders: str
    period: str


@dataclass(frozen=True)
class PeriodGap:
    period_id: int
    name: str
    ended_on: date


def _text(value: str, what: str, limit: int, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ControlError(f"Запишите {what}.")
    if len(text) > limit:
        raise ControlError(f"Поле «{what}» слишком длинное: не больше {limit} знаков.")
    return text


def record_check(actor: Actor, school_id: int, kind: str, held_on: date, class_ids: list[int], journals: str,
                 findings: str, orders: str = "", period_id: int | None = None) -> int:
    """Record a monthly check (kind «monthly_check») or an end-of-period control («period_control»,
    with its study period). Every class must be the school's and within the actor's parallels."""
    if kind not in KINDS:
        raise ControlError(f"Неизвестный вид проверки «{kind}».")
    journals = _text(journals, "какие журналы проверены", LIST_MAX, True)
    findings = _text(findings, "что обнаружено при проверке (например: «Замечаний нет»)", TEXT_MAX, True)
    orders = _text(orders, "что поручено", 5000, False)
    if held_on > clock.today():
        raise ControlError("Дата проверки не может быть в будущем.")
    if not class_ids:
        raise ControlError("Выберите хотя бы один проверенный класс.")
    if kind == "period_control" and period_id is None:
        raise ControlError("Укажите учебный период, по итогам которого проведён контроль.")
    with transaction() as tx:
        policy.require(actor, "control.record", school_target(tx, school_id, entity="control_act"))
        classes = tx.exec(select(SchoolClass).where(SchoolClass.id.in_(list(class_ids)))).all()
        if len(classes) != len(set(class_ids)) or any(c.school_id != school_id for c in classes):
            raise ControlError("Среди выбранных классов есть класс другой школы или несуществующий.")
        for c in classes:
            policy.require(actor, "control.record", targets.for_class(tx, c.id))  # a deputy: their parallels
        period = None
        if period_id is not None:
            period = tx.get(StudyPeriod, period_id)
            if period is None or period.school_id != school_id:
                raise ControlError("Учебный период не найден в этой школе.")
            if held_on < period.starts_on:
                raise ControlError(f"Контроль по итогам периода «{period.name}» не может быть раньше его начала "
                                   f"({period.starts_on:%d.%m.%Y}).")
        names = ", ".join(c.name for c in sorted(classes, key=lambda c: (c.grade, c.name)))
        act = ControlAct(school_id=school_id, kind=kind, held_on=held_on, author_user_id=actor.user_id,
                         findings=findings, created_at=clock.now(), classes=names, journals=journals, orders=orders,
                         period_id=period.id if period else None)
        tx.add(act)
        tx.flush()
        audit.record(tx, actor, "control.check_recorded", school_id=school_id, entity="control_act", entity_id=act.id,
                     new={"kind": kind, "held_on": held_on, "classes": names, "journals": journals,
                          "period_id": act.period_id, "orders": bool(orders)})
        return act.id


def records(actor: Actor, school_id: int, limit: int = 200) -> list[CheckRecord]:
    """The school's monthly checks and end-of-period controls, newest first."""
    with reading() as tx:
        policy.require(actor, "control.run", school_target(tx, school_id, entity="control_act"))
        rows = tx.exec(select(ControlAct).where(ControlAct.school_id == school_id, ControlAct.kind.in_(list(KINDS)))
                       .order_by(ControlAct.held_on.desc(), ControlAct.id.desc()).limit(limit)).all()
        names = control._author_names(tx, {r.author_user_id for r in rows})
        periods = dict(tx.exec(select(StudyPeriod.id, StudyPeriod.name).where(
            StudyPeriod.id.in_([r.period_id for r in rows if r.period_id] or [-1]))).all())
    return [CheckRecord(r.id, r.kind, r.held_on, names.get(r.author_user_id, ""), r.classes, r.journals, r.findings,
                        r.orders, periods.get(r.period_id, "")) for r in rows]


def months_without_check(school_id: int, until: date | None = None) -> list[date]:
    """The ended months of the school year with no monthly check of the journals (5.10)."""
    return control.months_without(school_id, "monthly_check", until)


def periods_without_control(school_id: int, until: date | None = None) -> list[PeriodGap]:
    """The study periods of the current school year, ended before `until` (default today), with no
    end-of-period control recorded (5.11)."""
    today = clock.today()
    until = min(until or today, today)
    with reading() as tx:
        year = control.year_at(tx, school_id, until)
        if year is None:
            return []
        periods = tx.exec(select(StudyPeriod).where(StudyPeriod.year_id == year.id, StudyPeriod.ends_on < until)
                          .order_by(StudyPeriod.starts_on)).all()
        done = set(tx.exec(select(ControlAct.period_id).where(ControlAct.school_id == school_id,
                                                              ControlAct.kind == "period_control")).all())
    return [PeriodGap(p.id, p.name, p.ends_on) for p in periods if p.id not in done]


def choices(actor: Actor, school_id: int) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The classes of the current year the actor may record a check for, and the year's periods."""
    today = clock.today()
    with reading() as tx:
        policy.require(actor, "control.record", school_target(tx, school_id, entity="control_act"))
        year = control.year_at(tx, school_id, today)
        if year is None:
            return [], []
        classes = tx.exec(select(SchoolClass).where(SchoolClass.year_id == year.id)
                          .order_by(SchoolClass.grade, SchoolClass.name)).all()
        mine = [(c.id, c.name) for c in classes if policy.allowed(actor, "control.record", targets.for_class(tx, c.id))]
        periods = [(p.id, p.name) for p in tx.exec(select(StudyPeriod).where(StudyPeriod.year_id == year.id)
                                                   .order_by(StudyPeriod.starts_on)).all()]
    return mine, periods
