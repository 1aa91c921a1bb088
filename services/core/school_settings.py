"""A school's settings: each with its name, default and help text, edited by the administrator."""
from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import available_timezones

from models import SchoolSettings
from models.db import reading, transaction
from services.core import audit, policy
from services.core.actor import Actor
from services.core.schools import school_target
from services.rules.edit_window import EDIT_WINDOWS

PERIOD_TYPES = {"quarter": "Четверти", "trimester": "Триместры", "half": "Полугодия"}


@dataclass(frozen=True)
class SettingInfo:
    name: str
    title: str
    default: object
    help: str
    choices: dict | None = None


SETTINGS: tuple[SettingInfo, ...] = (
    SettingInfo("timezone", "Часовой пояс", "Europe/Moscow",
                "Все сроки (отметки до 21:00, ДЗ в течение 3 часов, пропуски в течение 2 дней) считаются по этому времени."),
    SettingInfo("period_type", "Учебные периоды", "quarter",
                "Как делится учебный год: четверти, триместры или полугодия.", PERIOD_TYPES),
    SettingInfo("edit_window", "Изменение отметок после урока", "never",
                "До какого момента учитель может изменить или удалить отметку (п. 1.13 регламента).",
                {k: v.title for k, v in EDIT_WINDOWS.items()}),
    SettingInfo("mark_deadline_hour", "Срок выставления отметок, час", 21,
                "Отметка своевременна, если выставлена до этого часа в день урока (п. 1.8)."),
    SettingInfo("homework_deadline_hours", "Срок записи ДЗ, часов после урока", 3,
                "Домашнее задание своевременно, если записано не позже стольких часов после конца урока (п. 1.10)."),
    SettingInfo("attendance_deadline_days", "Срок отметки пропусков, дней", 2,
                "Пропуски своевременны, если отмечены до конца дня урока плюс столько дней (п. 1.12)."),
    SettingInfo("credential_working_days", "Срок выдачи реквизитов, рабочих дней", 10,
                "Реквизиты новому ученику и родителям выдаются в течение стольких рабочих дней (п. 1.7, 3.3)."),
    SettingInfo("correction_hours", "Срок исправления данных по заявке, часов", 24,
                "Заявка о неточных данных исправляется в течение этого времени (п. 2.3)."),
    SettingInfo("mark_round_from", "Округление отметки за период: с какой доли, сотых", 50,
                "Расчётная отметка за период округляется вверх, если дробная часть средневзвешенного балла не меньше "
                "этого значения: 50 — с 4,50 до «5», 60 — с 4,60 (как записано в локальном акте школы)."),
)
_BY_NAME = {s.name: s for s in SETTINGS}
NUMBER_LIMITS = {"mark_deadline_hour": (0, 23), "mark_round_from": (1, 99)}


class SettingsError(ValueError):
    pass


def load(school_id: int) -> SchoolSettings:
    with reading() as tx:
        row = tx.get(SchoolSettings, school_id)
        return row if row is not None else SchoolSettings(school_id=school_id)


def validate(name: str, value) -> object:
    info = _BY_NAME.get(name)
    if info is None:
        raise SettingsError(f"Нет такой настройки: «{name}».")
    if info.choices is not None:
        if value not in info.choices:
            raise SettingsError(f"«{info.title}»: недопустимое значение «{value}».")
        return value
    if name == "timezone":
        if value not in available_timezones():
            raise SettingsError(f"«{info.title}»: неизвестный часовой пояс «{value}».")
        return value
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SettingsError(f"«{info.title}»: нужно целое число, а не «{value}».") from None
    limits = NUMBER_LIMITS.get(name, (0, 60))
    if not limits[0] <= number <= limits[1]:
        raise SettingsError(f"«{info.title}»: значение должно быть от {limits[0]} до {limits[1]}.")
    return number


def update(actor: Actor, school_id: int, changes: dict) -> dict:
    """Apply changes (name → value); returns what actually changed. One transaction, audited."""
    clean = {name: validate(name, value) for name, value in changes.items()}
    with transaction() as tx:
        policy.require(actor, "settings.edit", school_target(tx, school_id, entity="school_settings",
                                                             entity_id=school_id))
        row = tx.get(SchoolSettings, school_id) or SchoolSettings(school_id=school_id)
        old = {k: getattr(row, k) for k in clean if getattr(row, k) != clean[k]}
        new = {k: clean[k] for k in old}
        if not new:
            return {}
        for k, v in new.items():
            setattr(row, k, v)
        row.version += 1
        tx.add(row)
        audit.record(tx, actor, "settings.changed", school_id=school_id, entity="school_settings",
                     entity_id=school_id, old=old, new=new)
    return new
