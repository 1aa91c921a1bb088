"""Every indicator and control check of INDICATORS.md (R-CTL-2, R-CTL-3, R-CTL-4), in one registry.

Each entry carries its id, Russian name, the definition shown to users, unit, good
direction, default thresholds (green / yellow; a school may change them, see
services/control/indicators_settings.py), one SQL query for the value and one for the drill-down
(checks: the findings). Parameters of a run are bound by checks/scope.py.
"""
from __future__ import annotations

from checks import control_plan, ind_deputy, ind_journal, ind_olympiads, ind_operational, ind_quality, ind_users
from checks import period_end
from checks.base import CATEGORIES, CHECK_GROUPS, Check, Indicator, Param

INDICATORS: tuple[Indicator, ...] = (
    *ind_operational.INDICATORS, *ind_quality.INDICATORS, *ind_olympiads.INDICATORS, *ind_users.INDICATORS,
    *ind_journal.INDICATORS,
)
DEPUTY: tuple[Indicator, ...] = ind_deputy.INDICATORS
CHECKS: tuple[Check, ...] = (*control_plan.CHECKS, *period_end.CHECKS)

# the ids of the five categories of 4.6 (what `manage.py checks --json` prints), in order
INDICATOR_IDS: tuple[str, ...] = tuple(i.id for i in INDICATORS)

_BY_ID: dict[str, Indicator | Check] = {x.id: x for x in (*INDICATORS, *DEPUTY, *CHECKS)}
if len(_BY_ID) != len(INDICATORS) + len(DEPUTY) + len(CHECKS):
    raise RuntimeError("duplicate indicator or check id")


def get(id_: str) -> Indicator | Check:
    try:
        return _BY_ID[id_]
    except KeyError:
        raise KeyError(f"Нет показателя или проверки «{id_}».") from None


def exists(id_: str) -> bool:
    return id_ in _BY_ID


def by_category(category: str) -> tuple[Indicator, ...]:
    source = DEPUTY if category == "deputy" else INDICATORS
    return tuple(i for i in source if i.category == category)


def checks_of(group: str) -> tuple[Check, ...]:
    return tuple(c for c in CHECKS if group in c.all_groups)


def all_params() -> dict[str, Param]:
    """Every definition parameter by name (names are unique across the registry)."""
    found: dict[str, Param] = {}
    for entry in _BY_ID.values():
        for p in entry.params:
            if p.name in found and found[p.name] != p:
                raise RuntimeError(f"parameter {p.name} defined twice")
            found[p.name] = p
    return found


def owner_of_param(name: str) -> str:
    for entry in _BY_ID.values():
        if any(p.name == name for p in entry.params):
            return entry.id
    raise KeyError(name)


__all__ = ["CATEGORIES", "CHECK_GROUPS", "INDICATORS", "DEPUTY", "CHECKS", "INDICATOR_IDS", "get", "exists",
           "by_category", "checks_of", "all_params", "owner_of_param"]
