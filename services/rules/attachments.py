"""What may be attached to a message or a document: small files of a few known kinds.

Two checks, both needed: the extension must be on the allow-list, and the first bytes of the
content must be what that kind of file starts with (a renamed program or a damaged file is
refused). Office files in ZIP form are opened and must hold their main part. A pure module:
bytes in, a verdict out.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

MAX_BYTES = 5 * 1024 * 1024  # 5 МБ

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Word / Excel
# extension → (MIME type, what the user sees)
KINDS: dict[str, tuple[str, str]] = {
    "pdf": ("application/pdf", "PDF"),
    "jpg": ("image/jpeg", "JPG"),
    "jpeg": ("image/jpeg", "JPG"),
    "png": ("image/png", "PNG"),
    "gif": ("image/gif", "GIF"),
    "txt": ("text/plain", "TXT"),
    "rtf": ("application/rtf", "RTF"),
    "doc": ("application/msword", "DOC"),
    "xls": ("application/vnd.ms-excel", "XLS"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
    "odt": ("application/vnd.oasis.opendocument.text", "ODT"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ODS"),
}
ALLOWED_TEXT = ", ".join(dict.fromkeys(title for _, title in KINDS.values()))
_ZIP_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f]")
_BAD_NAME = re.compile(r"[\x00-\x1f\\/:*?\"<>|]")


class AttachmentError(ValueError):
    """str(e) is a Russian message naming the file and what is wrong with it."""


@dataclass(frozen=True)
class Checked:
    name: str
    mime: str
    size: int


def clean_name(name: str) -> str:
    """The file's own name without any folder, control or reserved characters, ≤ 255 chars."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = _BAD_NAME.sub("_", base).strip().strip(".") or "файл"
    if len(base) > 255:
        stem, dot, ext = base.rpartition(".")
        base = (stem[:250 - len(ext)] + dot + ext) if dot else base[:255]
    return base


def extension(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def size_text(size: int) -> str:
    """«4,8 МБ», «120 КБ», «15 Б»."""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} МБ".replace(".", ",")
    if size >= 1024:
        return f"{round(size / 1024)} КБ"
    return f"{size} Б"


def _looks_like(ext: str, data: bytes) -> bool:
    if ext == "pdf":
        return data.startswith(b"%PDF-")
    if ext in ("jpg", "jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if ext == "png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if ext == "gif":
        return data.startswith((b"GIF87a", b"GIF89a"))
    if ext == "rtf":
        return data.startswith(b"{\\rtf")
    if ext in ("doc", "xls"):
        return data.startswith(OLE)
    if ext in ("docx", "xlsx", "odt", "ods"):
        return data.startswith(b"PK\x03\x04") and _zip_holds(ext, data)
    if ext == "txt":
        return _is_text(data)
    return False


def zip_mimetype(z: zipfile.ZipFile) -> str | None:
    """The «mimetype» part of an OpenDocument file, or None. A MIME type is a few dozen bytes: a
    bigger part may be a zip bomb, so it is refused and never more than 128 bytes are inflated."""
    if "mimetype" not in z.namelist() or z.getinfo("mimetype").file_size > 128:
        return None
    with z.open("mimetype") as part:
        return part.read(128).decode("ascii", "replace").strip()


def _zip_holds(ext: str, data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            if ext in _ZIP_PART:
                return _ZIP_PART[ext] in names
            return zip_mimetype(z) == KINDS[ext][0]
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, NotImplementedError):
        return False


def _is_text(data: bytes) -> bool:
    head = data[:65536]
    if _CONTROL.search(head):
        return False
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def check(name: str, data: bytes, max_bytes: int = MAX_BYTES) -> Checked:
    """The file's clean name and MIME type, or AttachmentError saying what is wrong."""
    name = clean_name(name)
    ext = extension(name)
    if ext not in KINDS:
        raise AttachmentError(f"Файл «{name}»: такие файлы прикладывать нельзя. Можно: {ALLOWED_TEXT}.")
    if not data:
        raise AttachmentError(f"Файл «{name}» пуст.")
    if len(data) > max_bytes:
        size, limit = size_text(len(data)), size_text(max_bytes)
        raise AttachmentError(f"Файл «{name}» слишком большой: {size if size != limit else 'больше ' + limit}, "
                              f"можно не больше {limit}.")
    mime, title = KINDS[ext]
    if not _looks_like(ext, data):
        raise AttachmentError(f"Файл «{name}»: содержимое не похоже на {title} — файл повреждён "
                              "или у него чужое расширение.")
    return Checked(name=name, mime=mime, size=len(data))
