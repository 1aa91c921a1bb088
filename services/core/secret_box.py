"""Secrets the screens set (the SMTP password): kept in the database only encrypted, with a key
that lives outside it, as the portal's other secrets do (.streamlit/secrets.toml,
/etc/school-portal/portal.env). A backup of the database alone does not reveal them.

The key: PORTAL_SECRET_KEY (a Fernet key, the same for every process of the portal), else the
file PORTAL_SECRET_KEY_FILE (made on first use, mode 0600).
"""
from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from services.core import config


class SecretError(Exception):
    """A Russian message: the stored secret cannot be read with this key."""


def _key() -> bytes:
    key = config.get("PORTAL_SECRET_KEY").strip()
    if key:
        return key.encode()
    path = Path(config.get("PORTAL_SECRET_KEY_FILE"))
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, Fernet.generate_key())
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    return path.read_bytes().strip()


def seal(plain: str) -> str:
    return Fernet(_key()).encrypt(plain.encode()).decode() if plain else ""


def open_(sealed: str) -> str:
    if not sealed:
        return ""
    try:
        return Fernet(_key()).decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError) as error:
        raise SecretError("Сохранённый пароль почтового сервера не читается этим ключом (PORTAL_SECRET_KEY "
                          "или файл PORTAL_SECRET_KEY_FILE изменились): введите пароль заново.") from error
