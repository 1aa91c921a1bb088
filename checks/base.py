"""What an indicator and a control check are, and the pure rules of their headline and colour.

An indicator's `value_sql` is one query over the snapshot and the scope objects of
`checks/scope.py`; it returns rows (school_id, class_id, num, den) at the finest level that
makes sense, and the runner sums them for the school, the municipality, each school or each
class. `drill_sql` lists the pupils, lessons, teachers or classes behind the number (Russian
column names). A check's `findings_sql` returns the uniform columns of FINDING_COLUMNS; its
value is the number of findings.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from services.rules.averages import round_half_up, show, show_percent

# kinds of headline: percent = 100·num/den; ratio = num/den (a mark, or СОУ already in %);
# count = num (den is empty)
PERCENT, RATIO, COUNT = "percent", "ratio", "count"
UP, DOWN = "up", "down"
OK, WARN, BAD, NO_DATA = "ok", "warn", "bad", "no_data"
STATUS_TITLES = {OK: "в норме", WARN: "внимание", BAD: "плохо", NO_DATA: "нет данных"}
STATUS_COLOURS = {OK: "#c8e6c9", WARN: "#fff59d", BAD: "#ffcdd2", NO_DATA: "#eeeeee"}

CATEGORIES: dict[str, str] = {
    "operational": "Оперативные показатели",
    "quality": "Качество образования",
    "olympiads": "Олимпиады",
    "users": "Пользователи",
    "journal": "Электронный журнал",
    "deputy": "Контроль завуча (п. 3.6)",
}
CHECK_GROUPS: dict[str, str] = {
    "plan": "План внутришкольного контроля (п. 5.17)",
    "period_end": "Контроль по итогам периода (п. 5.11)",
}

FINDING_COLUMNS = ("school_id", "class_id", "subject_id", "teacher_id", "lesson_id", "lesson_date", "what",
                   "since")


@dataclass(frozen=True)
class Param:
    """A parameter of a definition that the school may change (kept in IndicatorSetting.params)."""
    name: str
    title: str
    default: float
    help: str = ""
    integer: bool = False


@dataclass(frozen=True)
class Indicator:
    id: str
    category: str
    name: str
    definition: str
    unit: str
    kind: str
    good: str
    green: float
    yellow: float
    value_sql: str
    drill_sql: str
    extra_sql: str = ""   # one row of named figures shown beside the value (the other parts)
    source: str = "default"
    params: tuple[Param, ...] = ()
    trend: bool = True    # meaningful week by week
    school_level: bool = False  # no class dimension (e.g. venues, teachers' accounts)


@dataclass(frozen=True)
class Check:
    id: str
    group: str
    name: str
    definition: str
    findings_sql: str
    groups: tuple[str, ...] = ()
    green: float = 0
    yellow: float = 5
    params: tuple[Param, ...] = ()
    unit: str = "замечаний"
    good: str = DOWN
    kind: str = COUNT

    @property
    def all_groups(self) -> tuple[str, ...]:
        return (self.group, *self.groups)


@dataclass(frozen=True)
class Result:
    id: str
    name: str
    value: float | None
    unit: str
    numerator: float | None
    denominator: float | None
    status: str
    extra: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "value": self.value, "unit": self.unit,
                "numerator": self.numerator, "denominator": self.denominator, "status": self.status}


def _clean(number):
    if number is None:
        return None
    number = float(number)
    return int(number) if number.is_integer() else round(number, 4)


def headline(kind: str, num, den) -> tuple[float | None, float | None, float | None]:
    """(value, numerator, denominator): percentages 0–100, None for an empty denominator."""
    if kind == COUNT:
        return _clean(num or 0), _clean(num or 0), None
    if not den:
        return None, _clean(num or 0), _clean(den or 0)
    value = float(num or 0) / float(den)
    if kind == PERCENT:
        value *= 100
    return round_half_up(value, 2), _clean(num), _clean(den)


def status(value: float | None, good: str, green: float, yellow: float) -> str:
    """ok / warn / bad by the thresholds (inclusive), no_data when there is no value."""
    if value is None:
        return NO_DATA
    if good == UP:
        return OK if value >= green else WARN if value >= yellow else BAD
    return OK if value <= green else WARN if value <= yellow else BAD


def fmt(value: float | None, unit: str) -> str:
    """A value as the screens show it: «87,5 %», «4,12», «3 чел.», «—»."""
    if value is None:
        return "—"
    if unit == "%":
        return show_percent(value)
    if unit == "балл":
        return show(value)
    text = f"{value:g}".replace(".", ",")
    return f"{text} {unit}".strip()
