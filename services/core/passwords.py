"""Password hashing (R-ACC-1): argon2id only (argon2-cffi)."""
from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from services.core import config


@lru_cache(maxsize=2)
def _hasher(profile: str) -> PasswordHasher:
    if profile == "fast":  # tests only: still argon2id, cheaper parameters
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
    return PasswordHasher(type=Type.ID)  # RFC 9106 low-memory profile


def hasher() -> PasswordHasher:
    return _hasher(config.get("PORTAL_ARGON2_PROFILE"))


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        # Spend the same time on unknown accounts as on known ones.
        hasher().hash(password)
        return False
    try:
        return hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return hasher().check_needs_rehash(stored_hash)


_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"


def one_time_password(length: int = 10) -> str:
    """A password to hand over on a slip: no look-alike characters (l/1, O/0)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def validate_new_password(password: str, login: str = "") -> str | None:
    """A Russian message saying what is wrong with a new password, or None if it is fine."""
    if len(password) < 8:
        return "Пароль должен содержать не менее 8 символов."
    if len(password) > 256:  # rules/sign_in.MAX_PASSWORD: a longer one is refused at sign-in
        return "Пароль должен быть не длиннее 256 символов."
    if login and password.lower() == login.lower():
        return "Пароль не должен совпадать с логином."
    if password.isdigit() or password.isalpha():
        return "Пароль должен содержать и буквы, и цифры."
    return None
