"""The year archive (5.13, R-REP-4): `manage.py archive-year` writes one zip with every class × subject
journal as PDF and XLSX, the attestation summaries and a SHA-256 manifest; a year the school
does not have writes nothing; the files read back as the services compute them."""
from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import AuditEvent
from models.db import reading
from services.core import auth, config
from services.core.policy import AccessDenied
from services.reports import archive, attestation as reports_attestation, journal as reports_journal
from services.reports.common import school_head
from tests.integration import readback, reports_world

MSK = ZoneInfo("Europe/Moscow")
NOW = "2026-11-20T12:00:00+03:00"


@pytest.fixture
def rw(db_url, frozen_clock):
    frozen_clock(datetime.fromisoformat(NOW))
    return reports_world.build()


def cli(url, *args):
    env = {**os.environ, "DATABASE_URL": url, "PORTAL_FAKE_NOW": NOW}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=config.ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_unknown_year_writes_nothing(rw, db_url, tmp_path):
    out = tmp_path / "archives"
    proc = cli(db_url, "archive-year", "--school", str(rw.school_id), "--year", "2019/2020", "--out", str(out),
               "--json")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["error"] == "У школы нет учебного года 2019/2020."
    assert not out.exists()
    bad = cli(db_url, "archive-year", "--school", str(rw.school_id), "--year", "2026/2028", "--out", str(out))
    assert bad.returncode == 1 and "второй год" in bad.stderr and not out.exists()
    # a year that is no year at all, and a folder that cannot be written: a Russian message, nothing written
    with pytest.raises(archive.ArchiveError, match=r"^Учебный год «двадцать шестой» не понят: укажите, например, "
                                                   r"2025 или 2025/2026\.$"):
        archive.build(archive_actor(), rw.school_id, "двадцать шестой", out)
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(archive.ArchiveError, match="«.*file»: на этом месте уже есть файл. Ничего не записано."):
        archive.build(archive_actor(), rw.school_id, 2026, blocker)
    with pytest.raises(archive.ArchiveError, match="путь ведёт не к папке"):
        archive.build(archive_actor(), rw.school_id, 2026, blocker / "inside")
    assert blocker.read_text() == "" and not out.exists()
    with reading() as tx:
        director = auth.load_actor(tx, rw.users["director"])
    with pytest.raises(AccessDenied):
        archive.build(director, rw.school_id, 2026, out)
    assert not out.exists()
    with reading() as tx:
        assert tx.exec(select(AuditEvent).where(AuditEvent.action == "year.archived")).all() == []


def test_archive_of_the_year(rw, db_url, tmp_path):
    out = tmp_path / "out"
    proc = cli(db_url, "archive-year", "--school", str(rw.school_id), "--year", "2026", "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    (line,) = proc.stdout.strip().splitlines()
    result = json.loads(line)
    path = out / f"archive_school{rw.school_id}_2026-2027.zip"
    assert result["path"] == str(path) and result["journals"] == 6 and result["year"] == 2026
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == result["sha256"]
    assert [p.name for p in out.iterdir()] == [path.name]           # no partial file left behind
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = zf.namelist()
    root = names[0].split("/", 1)[0]
    files = {n.split("/", 1)[1]: zf.read(n) for n in names}
    manifest = json.loads(files["manifest.json"])
    assert manifest["year"] == "2026/2027" and manifest["journals"] == 6 and root.startswith("Архив Школа № 7")
    listed = {e["path"]: e for e in manifest["files"]}
    assert set(listed) | {"manifest.json", "SHA256SUMS"} == set(files)
    for p, e in listed.items():
        assert hashlib.sha256(files[p]).hexdigest() == e["sha256"] and len(files[p]) == e["bytes"]
    sums = dict(reversed(l.split("  ", 1)) for l in files["SHA256SUMS"].decode().splitlines())
    assert set(sums) == set(files) - {"SHA256SUMS"}
    assert all(hashlib.sha256(files[p]).hexdigest() == h for p, h in sums.items())
    journals = sorted(p for p in files if p.startswith("Журналы/"))
    assert journals == sorted(f"Журналы/{c}/{s}.{ext}" for c, subjects in
                              (("5А", ("Математика", "Русский язык", "Физическая культура", "Проектная деятельность")),
                               ("5Б", ("Математика", "Русский язык"))) for s in subjects for ext in ("pdf", "xlsx"))
    assert {p for p in files if p.startswith("Сводные ведомости/")} == {
        f"Сводные ведомости/{n}.{ext}" for n in ("01 1 четверть", "02 2 четверть", "03 Годовые отметки")
        for ext in ("pdf", "xlsx")}
    with reading() as tx:
        events = {e.action: e for e in tx.exec(select(AuditEvent)).all()}
    assert result["sha256"] in events["year.archived"].detail
    assert "архив журналов учебного года; формат zip" in events["personal_data.exported"].detail

    # the journals read back as the journal service shows them
    with reading() as tx:
        head = school_head(tx, rw.school_id)
    for key in reports_journal.journal_keys(rw.school_id, rw.year_id):
        doc = reports_journal.load(archive_actor(), head, 2026, rw.year_id, key)
        stem = f"Журналы/{doc.class_name}/{doc.subject_name}"
        wb = readback.workbook(files[f"{stem}.xlsx"])
        readback.no_formulas(files[f"{stem}.xlsx"])
        raw = " ".join(" ".join(readback.pdf_pages(files[f"{stem}.pdf"], layout=False)).split())
        assert f"Электронный журнал: {doc.class_name} класс · {doc.subject_name}" in raw
        for period in doc.periods:
            if not period.columns:
                continue
            _, rows = readback.table(wb[period.name], "Ученик")
            assert [r["Ученик"] for r in rows] == [p.name for p in period.pupils]
            for pupil, row in zip(period.pupils, rows):
                for c in period.columns:
                    cell = period.cells[(pupil.student_id, c.label)]
                    assert row[c.label] == (int(cell) if cell.isdigit() else (cell or None)), (pupil.name, c.label)
                s = period.summaries[pupil.student_id]
                assert row["Средневзвешенный балл"] == (pytest.approx(s.weighted) if s.weighted is not None else None)
                assert row["За период"] == (int(s.period_mark) if s.period_mark.isdigit() else (s.period_mark or None))
            for lesson in doc.lessons:
                assert lesson.topic in raw
        _, lessons = readback.table(wb["Уроки"], "Период")
        assert [(l["Дата"].date(), l["Тема"]) for l in lessons] == [(l.lesson_date, l.topic) for l in doc.lessons]
        if doc.no_attestation:
            assert "Итоговые" not in wb.sheetnames and "Без аттестации" in raw
    math = files["Журналы/5А/Математика.pdf"]
    page = next(p for p in readback.pdf_pages(math) if "Борисова" in p)
    assert "5/4" in readback.line_with(page, "Борисова")                  # the double mark, as in the journal
    assert "—" in readback.line_with(page, "Егорова")                     # not yet in the class on 10.11

    # the attestation summaries in the archive equal the live ones
    summary = reports_attestation.summary(archive_actor(), rw.school_id, column=f"period:{rw.q2}")
    wb = readback.workbook(files["Сводные ведомости/02 2 четверть.xlsx"])
    _, totals = readback.table(wb["Итоги"], "Класс")
    assert [(t["Класс"], t["Учеников"], t["Качество знаний, %"]) for t in totals[:-1]] == \
        [(c.name, c.standing.pupils, round(c.standing.quality, 1)) for c in summary.classes]


def archive_actor():
    from services.core.actor import SYSTEM
    return SYSTEM
