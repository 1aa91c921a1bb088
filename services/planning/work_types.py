"""Work types (виды работ) of a school: list, add, rename, weight, default, averages, checking
days, retire. The rules and the standard set are in services/rules/work_types.py.

Every change goes through `save()`: all the rows are checked first, and either all of them are
written in one transaction with an audit event per type, or nothing is (WorkTypeError says what
and where). A retired type stays in the database with its works and marks; it is only no longer
offered for new works.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, select

from models import Mark, Work, WorkType
from models.db import reading, transaction
from services.core import audit, policy
from services.core.actor import Actor
from services.core.schools import school_target
from services.rules import work_types as rules

FIELDS = ("name", "weight", "in_average", "checking_days", "is_test", "is_default", "is_active")
TITLES = {"name": "Название", "weight": "Вес", "in_average": "Учитывается в среднем", "checking_days": "Дней на проверку",
          "is_test": "Контрольная", "is_default": "По умолчанию", "is_active": "Используется"}


class WorkTypeError(ValueError):
    pass


@dataclass(frozen=True)
class WorkTypeInfo:
    id: int
    name: str
    weight: float          # 0 when the type does not count in averages
    checking_days: int
    is_test: bool
    is_default: bool
    is_active: bool
    marks: int             # marks entered for works of this type

    @property
    def in_average(self) -> bool:
        return self.weight > 0


@dataclass
class SaveResult:
    added: list[int] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)        # names of the types changed
    weight_changed: list[str] = field(default_factory=list)  # … of which the averages changed

    def summary(self) -> str:
        if not self.added and not self.changed:
            return "Изменений нет."
        text = f"Сохранено: добавлено видов работ {len(self.added)}, изменено {len(self.changed)}."
        if self.weight_changed:
            text += (" Средние баллы пересчитаны по новым весам (" + ", ".join(self.weight_changed) + ").")
        return text


def _target(tx: Session, school_id: int):
    return school_target(tx, school_id, entity="work_type", entity_id=school_id)


def list_types(actor: Actor, school_id: int) -> list[WorkTypeInfo]:
    """The school's work types, the default first, then those in use, by name."""
    with reading() as tx:
        policy.require(actor, "worktype.view", _target(tx, school_id))
        return _list(tx, school_id)


def _list(tx: Session, school_id: int) -> list[WorkTypeInfo]:
    # the school in the join too: SQLite then searches ix_mark_school_work per work (28 s → well under
    # a second on the demo) instead of scanning every mark for every work
    marks = dict(tx.exec(select(Work.work_type_id, func.count(Mark.id))
                         .join(Mark, (Mark.work_id == Work.id) & (Mark.school_id == Work.school_id))
                         .where(Work.school_id == school_id).group_by(Work.work_type_id)).all())
    rows = tx.exec(select(WorkType).where(WorkType.school_id == school_id)).all()
    rows = sorted(rows, key=lambda w: (not w.is_default, not w.is_active, w.name))
    return [WorkTypeInfo(w.id, w.name, w.weight, w.checking_days, w.is_test, w.is_default, w.is_active,
                         marks.get(w.id, 0)) for w in rows]


def add_standard_set(tx: Session, school_id: int) -> int:
    """The standard set for a new school (in the caller's transaction); types whose names the
    school already has are left alone. Returns how many were added."""
    have = {n.casefold() for n in tx.exec(select(WorkType.name).where(WorkType.school_id == school_id)).all()}
    has_default = tx.exec(select(WorkType.id).where(WorkType.school_id == school_id,
                                                    WorkType.is_default.is_(True))).first() is not None
    added = 0
    for t in rules.STANDARD_SET:
        if t.name.casefold() in have:
            continue
        tx.add(WorkType(school_id=school_id, name=t.name, weight=t.weight, checking_days=t.checking_days,
                        is_test=t.is_test, is_default=t.is_default and not has_default))
        added += 1
    tx.flush()
    return added


def _apply(state: dict, change: dict) -> dict:
    """One type's new state after a change (raises WorkTypeRuleError)."""
    unknown = set(change) - set(FIELDS)
    if unknown:
        raise rules.WorkTypeRuleError("неизвестные поля: " + ", ".join(sorted(unknown)))
    new = dict(state)
    if "name" in change:
        new["name"] = rules.clean_name(change["name"])
    for flag in ("in_average", "is_test", "is_default", "is_active"):
        if flag in change and change[flag] is not None:
            new[flag] = bool(change[flag])
    if "checking_days" in change:
        new["checking_days"] = rules.parse_days(change["checking_days"])
    if new["in_average"]:
        if change.get("weight") not in (None, ""):
            new["weight"] = rules.parse_weight(change["weight"])
        elif new["weight"] <= 0:  # counted again: weight 1 unless one is given
            new["weight"] = 1.0
    else:
        new["weight"] = 0.0
    return new


def _state(w: WorkType) -> dict:
    return {"name": w.name, "weight": w.weight, "in_average": w.weight > 0, "checking_days": w.checking_days,
            "is_test": w.is_test, "is_default": w.is_default, "is_active": w.is_active}


_BLANK = {"name": "", "weight": 1.0, "in_average": True, "checking_days": 0, "is_test": False,
          "is_default": False, "is_active": True}


def save(actor: Actor, school_id: int, changes: dict[int, dict] | None = None,
         added: list[dict] | None = None) -> SaveResult:
    """Change types (id → {field: value}) and add new ones ({field: value}), all or nothing.
    Making one type the default takes the mark from the one that had it."""
    changes, added = changes or {}, added or []
    with transaction() as tx:
        policy.require(actor, "worktype.edit", _target(tx, school_id))
        rows = {w.id: w for w in tx.exec(select(WorkType).where(WorkType.school_id == school_id)).all()}
        errors: list[str] = []
        states = {wid: _state(w) for wid, w in rows.items()}
        for wid, change in changes.items():
            if wid not in rows:
                errors.append(f"Вида работы с номером {wid} в школе нет.")
                continue
            try:
                states[wid] = _apply(states[wid], change)
            except rules.WorkTypeRuleError as e:
                errors.append(f"«{rows[wid].name}»: {e}")
        new_states = []
        for i, row in enumerate(added, start=1):
            try:
                new_states.append(_apply(_BLANK, {"name": "", **row}))
            except rules.WorkTypeRuleError as e:
                errors.append(f"Новая строка {i} («{row.get('name') or ''}»): {e}")
        if errors:
            raise WorkTypeError("Виды работ не сохранены. " + " ".join(errors))
        chosen = [wid for wid, c in changes.items() if c.get("is_default")]
        chosen_new = [i for i, st in enumerate(new_states) if st["is_default"]]
        if chosen or chosen_new:  # one default: the one just chosen takes the mark from the others
            for wid, st in states.items():
                if st["is_default"] and (not chosen or wid != chosen[0]):
                    states[wid] = {**st, "is_default": False}
            for i, st in enumerate(new_states):
                st["is_default"] = not chosen and i == chosen_new[0]
        problems = rules.check_set([rules.TypeState(wid, s["name"], s["is_default"], s["is_active"])
                                    for wid, s in states.items()]
                                   + [rules.TypeState(None, s["name"], s["is_default"], s["is_active"])
                                      for s in new_states])
        if problems:
            raise WorkTypeError("Виды работ не сохранены. " + " ".join(problems))
        result = SaveResult()
        for wid, state in states.items():
            old = _state(rows[wid])
            diff = {k: v for k, v in state.items() if old[k] != v}
            if not diff:
                continue
            w = rows[wid]
            for k, v in state.items():
                if k != "in_average":
                    setattr(w, k, v)
            tx.add(w)
            result.changed.append(state["name"])
            if "weight" in diff:
                result.weight_changed.append(state["name"])
            audit.record(tx, actor, "worktype.changed", school_id=school_id, entity="work_type", entity_id=wid,
                         old={k: old[k] for k in diff}, new=diff)
        tx.flush()
        for state in new_states:
            w = WorkType(school_id=school_id, **{k: v for k, v in state.items() if k != "in_average"})
            tx.add(w)
            tx.flush()
            result.added.append(w.id)
            audit.record(tx, actor, "worktype.added", school_id=school_id, entity="work_type", entity_id=w.id,
                         new=state)
    return result


def add_type(actor: Actor, school_id: int, name: str, **fields) -> int:
    return save(actor, school_id, added=[{"name": name, **fields}]).added[0]


def update_type(actor: Actor, work_type_id: int, **fields) -> SaveResult:
    with reading() as tx:
        w = tx.get(WorkType, work_type_id)
    if w is None:
        raise WorkTypeError(f"Вида работы с номером {work_type_id} нет.")
    return save(actor, w.school_id, changes={work_type_id: fields})
