"""The roles of R-ROLE-1: code names and Russian titles."""
from __future__ import annotations

ROLE_TITLES: dict[str, str] = {
    "admin": "Администратор",
    "editor": "Редактор",
    "moderator": "Модератор",
    "monitoring": "Мониторинг ФСН",
    "director": "Директор",
    "deputy": "Завуч",
    "teacher": "Учитель",
    "class_teacher": "Классный руководитель",
    "parent": "Родитель",
    "student": "Ученик",
    "secretary": "Секретарь",
    "site_admin": "Администратор сайта",
    "coordinator": "Муниципальный координатор",
}
ROLES = tuple(ROLE_TITLES)
STAFF_ROLES = frozenset(ROLES) - {"parent", "student", "coordinator"}
