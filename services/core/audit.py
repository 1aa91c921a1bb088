"""The audit log: events written beside the change they record, or on their own."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models import AuditEvent, User
from models.db import transaction
from services.core import clock
from services.core.actor import Actor

ACTION_TITLES = {
    "auth.sign_in": "Вход",
    "auth.sign_in_failed": "Неудачный вход",
    "auth.sign_in_locked": "Вход при блокировке",
    "auth.sign_out": "Выход",
    "auth.oidc_linked": "Привязка ЕСИА",
    "auth.password_changed": "Смена пароля",
    "access.denied": "Отказ в доступе",
    "user.created": "Создан пользователь",
    "user.updated": "Изменён пользователь",
    "user.password_reset": "Сброс пароля",
    "role.granted": "Выдана роль",
    "role.revoked": "Отозвана роль",
    "settings.changed": "Изменены настройки школы",
    "student.card_opened": "Открыта карточка ученика",
    "personal_data.exported": "Выгрузка персональных данных",
    "student.data_viewed": "Просмотр данных ученика вне своих уроков и класса",  # issue 16
    "mark.changed": "Изменена отметка",
    "year.archived": "Сформирован архив журналов учебного года",  # issue 6
    # rosters, credentials, the year, backups (issue 5)
    "roster.imported": "Загрузка контингента", "student.imported": "Ученик внесён из файла",
    "student.updated": "Изменены данные ученика", "student.arrival": "Прибытие ученика",
    "student.departure": "Выбытие ученика", "student.transfer": "Перевод ученика в другой класс",
    "guardian.created": "Добавлен родитель", "guardian.updated": "Изменены данные родителя",
    "guardian.unlinked": "Родитель отвязан от ученика", "staff.imported": "Сотрудник внесён из файла",
    "staff.updated": "Изменены данные сотрудника", "class.created": "Создан класс",
    "subgroup.changed": "Изменён состав подгруппы", "credentials.issued": "Выданы реквизиты",
    "year.closed": "Закрыт учебный год", "backup.made": "Резервная копия", "system.error": "Ошибка",
    # messages, corrections, documents, consents (issue 8)
    "message.sent": "Отправлено сообщение", "announcement.published": "Опубликовано объявление",
    "message.reported": "Жалоба на сообщение", "message.hidden": "Сообщение скрыто модератором",
    "message.kept": "Жалоба на сообщение отклонена", "correction.filed": "Заявка на исправление данных",
    "correction.resolved": "Заявка на исправление рассмотрена", "correction.cell_opened": "Клетка журнала открыта учителю по заявке", "document.saved": "Сохранён документ",
    "document.published": "Опубликован документ", "document.unpublished": "Документ снят с публикации",
    "consent.recorded": "Записано согласие на обработку данных",
    "consent.withdrawn": "Отозвано согласие на обработку данных",
    "journal.save_refused": "Журнал: клетки отклонены при сохранении",  # issue 9
    "message.reported_read": "Модератор прочитал сообщение с жалобой",  # issue 13
    # issue 15: work types, the first start, the next September
    "worktype.added": "Добавлен вид работы", "worktype.changed": "Изменён вид работы",
    "setup.first_run": "Первый запуск: создан администратор и школа",
    "year.carried_over": "Перенос в новый учебный год",
    # issue 16: notifications by e-mail
    "mail.settings_changed": "Изменены настройки почты", "mail.test_sent": "Отправлено пробное письмо",
    "mail.test_failed": "Пробное письмо не отправлено", "mail.address_set": "Указан адрес для уведомлений",
    "mail.address_confirmed": "Подтверждён адрес для уведомлений",
    "mail.subscriptions_changed": "Изменены уведомления на почту", "mail.unsubscribed": "Отписка от писем",
}


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return value


_SNILS_TEXT = re.compile(r"(?<!\d)\d{3}-\d{3}-\d{3}[ -]?(\d{2})(?!\d)")


def mask_snils(value: Any) -> Any:
    """«123-456-789 45» → «***-***-*** 45»: the audit shows that the СНИЛС changed, and its
    check number, never the number itself."""
    if not isinstance(value, str) or not value.strip():
        return value
    digits = re.sub(r"\D", "", value)
    return f"***-***-*** {digits[-2:]}" if len(digits) >= 2 else "***"


def mask_personal(value: Any) -> Any:
    """An event's old/new values or detail with every СНИЛС masked, at any depth: the value of
    any key named like «snils», and any text written like a СНИЛС (one place for every event,
    whichever service wrote it)."""
    if isinstance(value, dict):
        return {k: mask_snils(v) if "snils" in str(k).lower() or "снилс" in str(k).lower() else mask_personal(v)
                for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [mask_personal(v) for v in value]
    if isinstance(value, str):
        return _SNILS_TEXT.sub(lambda m: f"***-***-*** {m.group(1)}", value)
    return value


def _dump(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(_jsonable(value), ensure_ascii=False, sort_keys=True)


def values(actor: Actor | None, action: str, *, school_id: int | None = None, entity: str = "",
           entity_id: Any = "", old: Any = None, new: Any = None, detail: str = "",
           login: str | None = None, at: datetime | None = None) -> dict:
    """One event as the column values of its row."""
    actor_login = login if login is not None else (actor.login if actor else "")
    return {  # capped to the columns: a typed 4 MB login is kept as its first 120 characters
        "school_id": school_id,
        "actor_user_id": (actor.user_id or None) if actor else None,
        "actor_login": actor_login[:120],
        "action": action[:64], "entity": entity[:64],
        "entity_id": str(entity_id if entity_id is not None else "")[:64],
        "old": _dump(mask_personal(old)), "new": _dump(mask_personal(new)),
        "detail": mask_personal(detail)[:1000],
        "at": at or clock.now(),
    }


def record(tx: Session, actor: Actor | None, action: str, **kwargs: Any) -> AuditEvent:
    """Add an event to the caller's transaction (it commits or rolls back with the change)."""
    event = AuditEvent(**values(actor, action, **kwargs))
    tx.add(event)
    return event


_INSERT = AuditEvent.__table__.insert()


def record_rows(conn: Connection, rows: list[dict]) -> None:
    """Write events made by `values()` on the caller's connection (`tx.connection()`), in its
    transaction, in one statement: the journal's save writes an event per cell, and an ORM
    object per event costs more than the cell."""
    if rows:
        conn.execute(_INSERT, rows)


def record_now(actor: Actor | None, action: str, **kwargs: Any) -> None:
    """Write an event in a transaction of its own (sign-ins, denials, personal-data access),
    so that it stays even when the action it belongs to is refused or fails."""
    try:
        with transaction() as tx:
            record(tx, actor, action, **kwargs)
    except IntegrityError:
        # A forged or vanished school id must not swallow the trace: keep it in the detail.
        school_id = kwargs.pop("school_id", None)
        kwargs["detail"] = f"school_id={school_id}; {kwargs.get('detail', '')}"
        with transaction() as tx:
            record(tx, actor, action, **kwargs)


@dataclass(frozen=True)
class EventRow:
    id: int
    at: datetime
    login: str
    user_name: str
    action: str
    action_title: str
    entity: str
    entity_id: str
    old: str | None
    new: str | None
    detail: str
    user_id: int | None = None


def pupil_condition(student_id: int):
    """Events about one pupil: the pupil's card, and their marks, absences and period marks
    (stored as «…:pupil id»)."""
    sid = str(int(student_id))
    return (((AuditEvent.entity == "student") & (AuditEvent.entity_id == sid))
            | (AuditEvent.entity.in_(("mark", "attendance", "period_mark")) & AuditEvent.entity_id.like(f"%:{sid}")))


def query_events(tx: Session, *, school_id: int | None, user_id: int | None = None,
                 actions: list[str] | None = None, date_from: date | None = None,
                 date_to: date | None = None, tz_name: str | None = None,
                 limit: int = 500, student_id: int | None = None) -> tuple[list[EventRow], int]:
    """Events of one school (or with no school when school_id is None), newest first,
    with the total count before the limit. Dates are local dates of the school."""
    conds = [AuditEvent.school_id == school_id] if school_id is not None else []
    if user_id is not None:
        conds.append(AuditEvent.actor_user_id == user_id)
    if actions:
        conds.append(AuditEvent.action.in_(actions))
    if student_id is not None:
        conds.append(pupil_condition(student_id))
    if date_from is not None:
        start = datetime.combine(date_from, datetime.min.time(), clock.zone(tz_name))
        conds.append(AuditEvent.at >= clock.to_stored(start))
    if date_to is not None:
        end = datetime.combine(date_to, datetime.max.time(), clock.zone(tz_name))
        conds.append(AuditEvent.at <= clock.to_stored(end))
    total = tx.exec(select(func.count()).select_from(AuditEvent).where(*conds)).one()
    stmt = (select(AuditEvent, User.last_name, User.first_name)
            .join(User, User.id == AuditEvent.actor_user_id, isouter=True)
            .where(*conds).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    rows = []
    for ev, last, first in tx.exec(stmt).all():
        rows.append(EventRow(
            id=ev.id, at=clock.to_local(ev.at, tz_name), login=ev.actor_login,
            user_name=" ".join(p for p in (last, first) if p), action=ev.action,
            action_title=ACTION_TITLES.get(ev.action, ev.action), entity=ev.entity,
            entity_id=ev.entity_id, old=ev.old, new=ev.new, detail=ev.detail, user_id=ev.actor_user_id))
    return rows, int(total)
