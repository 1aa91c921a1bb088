"""Attachments of messages and documents: the allow-list, the size limit, the content sniff."""
from __future__ import annotations

import io
import zipfile

import pytest

from services.rules import attachments as rules
from services.rules.attachments import AttachmentError, check

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def _zip(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("name, data, mime", [
    ("Справка.pdf", PDF, "application/pdf"),
    ("фото.JPG", JPG, "image/jpeg"),
    ("скан.png", PNG, "image/png"),
    ("заявление.txt", "Прошу освободить от урока".encode("utf-8"), "text/plain"),
    ("старый.txt", "Прошу".encode("cp1251"), "text/plain"),
    ("письмо.docx", _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"}),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("таблица.xlsx", _zip({"xl/workbook.xml": b"<w/>"}),
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("текст.odt", _zip({"mimetype": b"application/vnd.oasis.opendocument.text"}),
     "application/vnd.oasis.opendocument.text"),
    ("старый.doc", rules.OLE + b"\x00" * 100, "application/msword"),
])
def test_accepted(name, data, mime):
    checked = check(name, data)
    assert checked.mime == mime and checked.size == len(data) and checked.name == name


@pytest.mark.parametrize("name, data, words", [
    ("вирус.exe", b"MZ\x90\x00", "такие файлы прикладывать нельзя"),
    ("справка.pdf.exe", PDF, "такие файлы прикладывать нельзя"),
    ("без_расширения", PDF, "такие файлы прикладывать нельзя"),
    ("вирус.pdf", b"MZ\x90\x00" + b"\x00" * 10, "содержимое не похоже на PDF"),
    ("фото.png", JPG, "содержимое не похоже на PNG"),
    ("программа.txt", b"MZ\x90\x00\x03\x00", "содержимое не похоже на TXT"),
    ("письмо.docx", _zip({"xl/workbook.xml": b"<w/>"}), "содержимое не похоже на DOCX"),
    ("письмо.docx", b"PK\x03\x04broken", "содержимое не похоже на DOCX"),
    ("текст.odt", _zip({"mimetype": b"application/zip"}), "содержимое не похоже на ODT"),
    ("пусто.pdf", b"", "пуст"),
])
def test_refused(name, data, words):
    with pytest.raises(AttachmentError) as e:
        check(name, data)
    assert words in str(e.value) and "Файл «" in str(e.value)


def test_size_limit_at_its_boundary():
    limit = rules.MAX_BYTES
    assert limit == 5 * 1024 * 1024
    assert check("ровно.pdf", PDF + b"0" * (limit - len(PDF))).size == limit
    with pytest.raises(AttachmentError) as e:
        check("больше.pdf", PDF + b"0" * (limit - len(PDF) + 1))
    assert "слишком большой: больше 5,0 МБ, можно не больше 5,0 МБ" in str(e.value)
    with pytest.raises(AttachmentError) as e:
        check("большой.pdf", PDF + b"0" * (7 * 1024 * 1024))
    assert "слишком большой: 7,0 МБ, можно не больше 5,0 МБ" in str(e.value)


def test_names_are_cleaned():
    assert rules.clean_name("C:\\Users\\x\\Справка.pdf") == "Справка.pdf"
    assert rules.clean_name("../../etc/passwd.txt") == "passwd.txt"
    assert rules.clean_name('a<b>"c".pdf') == "a_b__c_.pdf"
    long = "я" * 300 + ".pdf"
    assert len(rules.clean_name(long)) <= 255 and rules.clean_name(long).endswith(".pdf")
    assert rules.size_text(1536) == "2 КБ" and rules.size_text(10) == "10 Б"


def test_a_zip_bomb_behind_the_mimetype_of_an_ods_is_not_inflated():
    """Issue 13, item 3: an attachment «таблица.ods» whose «mimetype» part unpacks to 200 MB is
    refused by reading its first bytes only."""
    import tracemalloc
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", b"application/vnd.oasis.opendocument.spreadsheet" + b" " * (200 * 1024 * 1024))
    data = buf.getvalue()
    assert len(data) < 400 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(AttachmentError, match="содержимое не похоже на ODS"):
            check("таблица.ods", data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024
