"""A school's own thresholds (green / yellow) and definition parameters of its indicators.

The registry (checks/registry.py) holds the defaults; a school's changes live in
IndicatorSetting rows, edited by the director or the administrator (action
«indicators.configure»), each change audited."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import select

from checks import registry
from checks.base import Check, Indicator
from checks.runner import Overrides
from models import IndicatorSetting
from models.db import reading, transaction
from services.core import audit, clock, policy
from services.core.actor import Actor
from services.core.schools import school_target


class SettingsError(ValueError):
    """str(e) is a Russian message."""


@dataclass(frozen=True)
class Limits:
    id: str
    name: str
    good: str
    green: float
    yellow: float
    default_green: float
    default_yellow: float


def load_overrides(school_ids) -> Overrides:
    """The schools' own parameters and thresholds, as the runner takes them (no policy: plain values)."""
    ids = list(school_ids)
    if not ids:
        return Overrides()
    params: dict[int, dict] = {}
    limits: dict[int, dict] = {}
    with reading() as tx:
        rows = tx.exec(select(IndicatorSetting).where(IndicatorSetting.school_id.in_(ids))).all()
    known = registry.all_params()
    for row in rows:
        if not registry.exists(row.indicator_id):
            continue
        entry = registry.get(row.indicator_id)
        if row.green is not None and row.yellow is not None:
            limits.setdefault(row.school_id, {})[row.indicator_id] = (row.green, row.yellow)
        for name, value in json.loads(row.params or "{}").items():
            if name in known and any(p.name == name for p in entry.params):
                params.setdefault(row.school_id, {})[name] = float(value)
    return Overrides(params=params, thresholds=limits)


def limits_of(school_id: int, entry: Indicator | Check, overrides: Overrides | None = None) -> Limits:
    overrides = overrides or load_overrides([school_id])
    green, yellow = overrides.limits(entry, school_id)
    return Limits(entry.id, entry.name, entry.good, green, yellow, entry.green, entry.yellow)


def _check_order(entry, green: float, yellow: float) -> None:
    if entry.good == "up" and green < yellow:
        raise SettingsError(f"«{entry.name}»: зелёный порог должен быть не ниже жёлтого (больше — лучше).")
    if entry.good == "down" and green > yellow:
        raise SettingsError(f"«{entry.name}»: зелёный порог должен быть не выше жёлтого (меньше — лучше).")
    if entry.unit == "%" and not (0 <= yellow <= 100 and 0 <= green <= 100):
        raise SettingsError(f"«{entry.name}»: пороги в процентах — от 0 до 100.")


def save(actor: Actor, school_id: int, indicator_id: str, *, green: float | None = None,
         yellow: float | None = None, params: dict | None = None, reset: bool = False) -> dict:
    """Set (or with reset=True drop) a school's thresholds and parameters of one indicator or
    check; returns what changed. One transaction, audited."""
    if not registry.exists(indicator_id):
        raise SettingsError(f"Нет показателя «{indicator_id}».")
    entry = registry.get(indicator_id)
    clean_params: dict[str, float] = {}
    for name, value in (params or {}).items():
        param = next((p for p in entry.params if p.name == name), None)
        if param is None:
            raise SettingsError(f"«{entry.name}»: нет параметра «{name}».")
        try:
            number = float(str(value).replace(",", "."))
        except ValueError:
            raise SettingsError(f"«{entry.name}», «{param.title}»: нужно число, а не «{value}».") from None
        if number < 0 or (param.integer and not number.is_integer()):
            raise SettingsError(f"«{entry.name}», «{param.title}»: нужно "
                                f"{'целое ' if param.integer else ''}неотрицательное число.")
        clean_params[name] = int(number) if param.integer else number
    if not reset and (green is None) != (yellow is None):
        raise SettingsError(f"«{entry.name}»: укажите оба порога — зелёный и жёлтый.")
    if not reset and green is not None:
        _check_order(entry, float(green), float(yellow))
    with transaction() as tx:
        policy.require(actor, "indicators.configure",
                       school_target(tx, school_id, entity="indicator_setting", entity_id=indicator_id))
        row = tx.exec(select(IndicatorSetting).where(IndicatorSetting.school_id == school_id,
                                                     IndicatorSetting.indicator_id == indicator_id)).first()
        old = None if row is None else {"green": row.green, "yellow": row.yellow, "params": json.loads(row.params)}
        if reset:
            if row is None:
                return {}
            tx.delete(row)
            new = None
        else:
            if row is None:
                row = IndicatorSetting(school_id=school_id, indicator_id=indicator_id, updated_at=clock.now())
            merged = {**json.loads(row.params or "{}"), **clean_params}
            if green is not None:
                row.green, row.yellow = float(green), float(yellow)
            row.params = json.dumps(merged, ensure_ascii=False, sort_keys=True)
            row.updated_at, row.updated_by_user_id = clock.now(), actor.user_id or None
            new = {"green": row.green, "yellow": row.yellow, "params": merged}
            if new == old:
                return {}
            tx.add(row)
        audit.record(tx, actor, "indicator.settings_changed", school_id=school_id, entity="indicator_setting",
                     entity_id=indicator_id, old=old, new=new)
    return {"old": old, "new": new}
