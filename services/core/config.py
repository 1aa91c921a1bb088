"""Settings read from the environment, in one place.

Every setting has a name, a default and a help text; `SETTINGS` is the documented list
(README.md must mention each one: tests/unit/test_config.py checks that).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", f"sqlite:///{DATA_DIR / 'school.db'}",
            "Адрес базы данных: файл SQLite (по умолчанию) или postgresql+psycopg://…"),
    Setting("PORTAL_TIMEZONE", "Europe/Moscow",
            "Часовой пояс по умолчанию для новых школ (у каждой школы он свой в настройках)."),
    Setting("PORTAL_SESSION_IDLE_MINUTES", "30", "Через сколько минут бездействия сеанс завершается."),
    Setting("PORTAL_SESSION_MAX_HOURS", "12", "Наибольшая длительность сеанса в часах."),
    Setting("PORTAL_LOGIN_MAX_FAILURES", "10",
            "Сколько неудачных попыток входа в учётную запись подряд допускается без задержки; "
            "дальше каждая неудача закрывает вход на 1, 2, 4… минуты, не больше PORTAL_LOGIN_WINDOW_MINUTES."),
    Setting("PORTAL_LOGIN_WINDOW_MINUTES", "15",
            "Наибольшая задержка входа в учётную запись и окно подсчёта неудач с одного адреса, минуты."),
    Setting("PORTAL_LOGIN_MAX_FAILURES_PER_ADDRESS", "50",
            "Сколько неудачных попыток входа с одного адреса (в любые учётные записи) допускается за окно."),
    Setting("PORTAL_TRUSTED_PROXIES", "",
            "Адреса обратных прокси через запятую (например 127.0.0.1 для nginx на той же машине): "
            "только от них принимается заголовок X-Forwarded-For с адресом пользователя."),
    Setting("PORTAL_ARGON2_PROFILE", "default",
            "Стоимость хеширования паролей: default (RFC 9106 low-memory) или fast (только для тестов)."),
    Setting("PORTAL_FAKE_NOW", "",
            "Зафиксировать «текущее» время (ISO 8601, например 2026-11-20T10:00:00+03:00): для тестов и замеров."),
    Setting("PORTAL_COOKIE_SECURE", "0",
            "1 — ставить cookie сеанса с флагом Secure (включите за HTTPS)."),
    Setting("PORTAL_ANALYTICS_PATH", str(DATA_DIR / "analytics.duckdb"),
            "Файл аналитического снимка DuckDB."),
    Setting("PORTAL_BACKUP_DIR", str(DATA_DIR / "backups"),
            "Папка резервных копий (manage.py backup и кнопка на экране «Состояние системы»)."),
    Setting("PORTAL_ARCHIVE_DIR", str(DATA_DIR / "archives"),
            "Папка архивов учебных лет (экран «Архив учебного года», закрытие года, manage.py close-year)."),
    Setting("PORTAL_SECRET_KEY", "",
            "Ключ шифрования паролей, заданных на экранах (пароль почтового сервера): ключ Fernet, один для всех "
            "процессов портала; пусто — ключ берётся из файла PORTAL_SECRET_KEY_FILE."),
    Setting("PORTAL_SECRET_KEY_FILE", str(DATA_DIR / "secret.key"),
            "Файл ключа шифрования (создаётся при первой надобности, права 0600), если PORTAL_SECRET_KEY не задан."),
    Setting("PORTAL_BACKUP_KEY", "",
            "Ключ (фраза не короче 12 символов), которым шифруются резервные копии и архивы учебных лет "
            "(п. 5.15); пусто — файлы пишутся без шифрования. Хранится только здесь (portal.env), не в базе."),
    Setting("PORTAL_BACKUP_KEY_FILE", "",
            "Файл, первая строка которого — ключ шифрования копий и архивов (вместо PORTAL_BACKUP_KEY)."),
    Setting("DEMO", "",
            "1 — разрешить демо-данные в базе DATABASE_URL (make run DEMO=1); без этого демо загружается "
            "только в свой файл data/demo.db, а настоящая база их не получает никогда."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """The value of a documented setting: the environment, else its default."""
    setting = _BY_NAME[name]
    value = os.environ.get(name, "")
    return value if value != "" else setting.default


def get_int(name: str) -> int:
    return int(get(name))


def database_url() -> str:
    return get("DATABASE_URL")
