"""Backups and year archives encrypted at rest (regulation 5.15).

When the operator sets a key (PORTAL_BACKUP_KEY, or PORTAL_BACKUP_KEY_FILE naming a file that
holds it — where the other secrets live, /etc/school-portal/portal.env; never in the database),
backups and year archives are written encrypted; without a key they are written as before.

The format (version 1), readable by anyone with the key and the `cryptography` library:

    header  = b"SPSEAL01" | log2(N) | r | p (one byte each) | salt (16) | key check (16) | nonce prefix (7)
    chunks  = AES-256-GCM of each 1 MiB of the file; nonce = prefix | chunk number (4, big-endian)
              | 1 for the last chunk else 0; associated data = the header

The key is derived from the passphrase with scrypt (N = 2^15, r = 8, p = 1): 64 bytes, the first
32 the AES key, the next 16 stored as the key check, so that a wrong key is told apart from a
damaged file. Each chunk is authenticated, chunks cannot be reordered, and a file cut short is
noticed (the last chunk carries its own flag). An encrypted file is recognised by its first 8
bytes, whatever its name. The plain text is written only to a 0600 file (services/core/private.py),
and a failed decryption leaves no output behind.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from services.core import config, private

MAGIC = b"SPSEAL01"
CHUNK = 1 << 20
TAG = 16
SALT = 16
CHECK = 16
PREFIX = 7
HEADER = len(MAGIC) + 3 + SALT + CHECK + PREFIX
LOG_N, R, P = 15, 8, 1
MIN_KEY = 12
SUFFIX = ".enc"


class SealError(RuntimeError):
    """str(e) is a Russian message; no output file was left."""


def configured_key() -> str | None:
    """The operator's passphrase: PORTAL_BACKUP_KEY, else the first line of PORTAL_BACKUP_KEY_FILE;
    None when neither is set. A key that is set but unusable is an error, never a silent plain copy."""
    key = config.get("PORTAL_BACKUP_KEY")
    source = "PORTAL_BACKUP_KEY"
    if not key:
        path = config.get("PORTAL_BACKUP_KEY_FILE")
        if not path:
            return None
        source = f"файл ключа {path}"
        try:
            key = Path(path).read_text(encoding="utf-8").splitlines()[0] if Path(path).stat().st_size else ""
        except (OSError, UnicodeDecodeError, IndexError) as e:
            raise SealError(f"Не удалось прочитать {source} (PORTAL_BACKUP_KEY_FILE): {e.__class__.__name__}.") from None
    check_key(key, source)
    return key


def check_key(key: str, source: str = "ключ") -> None:
    if len(key.strip()) < MIN_KEY:
        raise SealError(f"Ключ шифрования ({source}) короче {MIN_KEY} символов: задайте длинную фразу.")


def enabled() -> bool:
    """Is a key set (backups and archives are written encrypted)?"""
    try:
        return configured_key() is not None
    except SealError:
        return True   # set but unusable: making a copy will say so


def is_sealed(path: str | os.PathLike) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def _derive(key: str, salt: bytes, log_n: int, r: int, p: int) -> tuple[bytes, bytes]:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
    if not (10 <= log_n <= 20 and 1 <= r <= 16 and 1 <= p <= 4):
        raise SealError("Заголовок зашифрованного файла повреждён (параметры ключа вне допустимых).")
    out = Scrypt(salt=salt, length=32 + CHECK, n=1 << log_n, r=r, p=p).derive(key.encode("utf-8"))
    return out[:32], out[32:]


def _nonce(prefix: bytes, n: int, last: bool) -> bytes:
    return prefix + n.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def seal_file(src: str | os.PathLike, dst: str | os.PathLike, key: str) -> Path:
    """Encrypt src into dst (made 0600 before the first byte). dst is removed on any failure."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    check_key(key)
    salt, prefix = secrets.token_bytes(SALT), secrets.token_bytes(PREFIX)
    aes_key, check = _derive(key, salt, LOG_N, R, P)
    header = MAGIC + bytes([LOG_N, R, P]) + salt + check + prefix
    aead = AESGCM(aes_key)
    target = Path(dst)
    try:
        private.create(target)
        with open(src, "rb") as fin, open(target, "wb") as fout:
            fout.write(header)
            n = 0
            block = fin.read(CHUNK)
            while True:
                following = fin.read(CHUNK) if len(block) == CHUNK else b""
                last = not following
                fout.write(aead.encrypt(_nonce(prefix, n, last), block, header))
                if last:
                    break
                block, n = following, n + 1
            fout.flush()
            os.fsync(fout.fileno())
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def open_file(src: str | os.PathLike, dst: str | os.PathLike, key: str | None) -> Path:
    """Decrypt src into dst (0600). Raises SealError with a Russian reason — no key, a wrong key, a
    damaged or cut file — and then leaves no dst behind."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    name = Path(src).name
    if not key:
        raise SealError(f"Файл {name} зашифрован: нужен ключ (PORTAL_BACKUP_KEY, PORTAL_BACKUP_KEY_FILE "
                        "или --key-file).")
    target = Path(dst)
    try:
        with open(src, "rb") as fin:
            header = fin.read(HEADER)
            if len(header) < HEADER or not header.startswith(MAGIC):
                raise SealError(f"Файл {name} не является зашифрованной копией портала или повреждён (заголовок).")
            log_n, r, p = header[8], header[9], header[10]
            salt = header[11:11 + SALT]
            check = header[11 + SALT:11 + SALT + CHECK]
            prefix = header[11 + SALT + CHECK:]
            aes_key, expected = _derive(key, salt, log_n, r, p)
            if not secrets.compare_digest(expected, check):
                raise SealError(f"Ключ не подходит к файлу {name}: он зашифрован другим ключом. Ничего не изменено.")
            aead = AESGCM(aes_key)
            private.create(target)
            with open(target, "wb") as fout:
                n = 0
                block = fin.read(CHUNK + TAG)
                while True:
                    following = fin.read(CHUNK + TAG) if len(block) == CHUNK + TAG else b""
                    last = not following
                    if len(block) < TAG:
                        raise SealError(f"Файл {name} обрезан: нет последнего блока. Ничего не изменено.")
                    try:
                        fout.write(aead.decrypt(_nonce(prefix, n, last), block, header))
                    except InvalidTag:
                        raise SealError(f"Файл {name} повреждён или изменён (блок {n + 1} не прошёл проверку "
                                        "подлинности, или файл обрезан). Ничего не изменено.") from None
                    if last:
                        break
                    block, n = following, n + 1
    except OSError as e:
        target.unlink(missing_ok=True)
        raise SealError(f"Не удалось прочитать или записать файл при расшифровке {name}: {e.strerror or e}.") from None
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def seal_in_place(path: str | os.PathLike, key: str, final: str | os.PathLike) -> Path:
    """Encrypt the (0600) file `path` into `final` and remove the plain file, whatever happens."""
    try:
        return seal_file(path, final, key)
    finally:
        Path(path).unlink(missing_ok=True)
