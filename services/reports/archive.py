"""The year archive of the journals (5.13, R-REP-4, R-SAFE-3): one zip, readable without the
portal, with

- Журналы/<класс>/<предмет>.pdf and .xlsx — every class × subject (× subgroup) journal of the
  year: lessons, topics, homework, marks, attendance, period and final marks;
- Сводные ведомости/<период>.pdf and .xlsx — the attestation summaries of the whole school for
  every study period, the annual marks, and the exam and final marks where there are any;
- Прочтите.txt — what is inside and how to check it; manifest.json — every file with its size
  and SHA-256; SHA256SUMS — the same sums in the format of `sha256sum -c`.

The zip is written beside its final name and renamed into place only when complete: a year the
school does not have, a refused actor or any failure leaves nothing behind. When the operator has
set a key (PORTAL_BACKUP_KEY, services/core/sealed.py; 5.15) the archive is stored encrypted
(`….zip.enc`); `manage.py decrypt` gives the zip back to whoever holds the key.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import func
from sqlmodel import select

from models import PeriodMark
from models.db import reading
from services.core import audit, clock, policy, private, sealed
from services.core.actor import Actor
from services.core.schools import school_target
from services.reports.common import ReportError, periods_of, record_export, school_head, year_of, year_title

ACTION = "year.archive"
Progress = Callable[[int, int, str], None]


class ArchiveError(ReportError):
    pass


@dataclass(frozen=True)
class ArchiveResult:
    path: Path
    files: int          # files inside the zip, manifest and read-me included
    journals: int
    bytes: int
    sha256: str         # of the zip itself
    start_year: int


def _year(text) -> int:
    if isinstance(text, int):
        return text
    try:
        return clock.parse_school_year(str(text))
    except ValueError as e:
        own = str(e).replace(str(text), "")  # Python's own messages are English: only our Russian reasons are shown
        reason = str(e) if any("а" <= ch.lower() <= "я" or ch in "ёЁ" for ch in own) else ""
        raise ArchiveError(f"Учебный год «{text}» не понят: укажите, например, 2025 или 2025/2026. {reason}".strip())


_OS_REASONS = {errno.ENOENT: "такой папки нет и создать её нельзя", errno.EACCES: "нет прав на запись",
               errno.EPERM: "нет прав на запись", errno.EROFS: "папка только для чтения",
               errno.ENOSPC: "на диске нет места", errno.ENOTDIR: "путь ведёт не к папке",
               errno.EEXIST: "на этом месте уже есть файл"}


def _write_error(out: Path, e: OSError) -> str:
    return f"Не удалось записать архив в папку «{out}»: {_OS_REASONS.get(e.errno, 'ошибка записи')}. Ничего не записано."


def _safe(part: str) -> str:
    return "".join("_" if ch in '/\\:*?"<>|' else ch for ch in part).strip() or "_"


def build(actor: Actor, school_id: int, year, out_dir: str | Path, *,
          progress: Progress | None = None) -> ArchiveResult:
    """Make the archive of the school's year `year` (2025, «2025/2026») in out_dir."""
    from exporters import pdf_attestation, pdf_journal, xlsx_attestation, xlsx_journal
    from services.reports import attestation as reports_attestation, journal as reports_journal

    start_year = _year(year)
    try:
        seal_key = sealed.configured_key()
    except sealed.SealError as e:
        raise ArchiveError(f"{e} Архив не сформирован.") from None
    with reading() as tx:
        head = school_head(tx, school_id)
        policy.require(actor, ACTION, school_target(tx, school_id))
        the_year = year_of(tx, school_id, start_year=start_year)
        periods = periods_of(tx, school_id, the_year.id)
        kinds = set(tx.exec(select(PeriodMark.kind).where(PeriodMark.school_id == school_id,
                                                          PeriodMark.year_id == the_year.id).distinct()).all())
    keys = reports_journal.journal_keys(school_id, the_year.id)
    columns = [(f"period:{p.id}", p.name) for p in periods] + [("annual", "Годовые отметки")]
    columns += [(k, t) for k, t in (("exam", "Экзаменационные отметки"), ("final", "Итоговые отметки")) if k in kinds]
    total = len(keys) + len(columns)
    out = Path(out_dir)
    name = f"archive_school{school_id}_{start_year}-{start_year + 1}.zip" + (sealed.SUFFIX if seal_key else "")
    final_path = out / name
    try:
        private.make_dir(out, own=False)   # a folder made here is 0700; one the user chose stays as it is
        fd, tmp = tempfile.mkstemp(prefix=".archive-", suffix=".zip.partial", dir=out)
        os.close(fd)
    except OSError as e:
        raise ArchiveError(_write_error(out, e)) from None
    entries: list[dict] = []
    root = f"Архив {_safe(head.short_name or head.name)} {start_year}-{start_year + 1}"
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            def add(path: str, data: bytes, what: str) -> None:
                zf.writestr(f"{root}/{path}", data)
                entries.append({"path": path, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                                "what": what})

            done = 0
            used: set[str] = set()
            for key in keys:
                doc = reports_journal.load(actor, head, start_year, the_year.id, key, periods)
                stem = _safe(doc.subject_name + (f" ({doc.group_name})" if doc.group_name else ""))
                folder = f"Журналы/{_safe(doc.class_name)}"
                base, n = f"{folder}/{stem}", 2
                while base in used:
                    base, n = f"{folder}/{stem} ({n})", n + 1
                used.add(base)
                add(f"{base}.pdf", pdf_journal.journal_pdf(doc), f"Журнал {doc.title}, PDF")
                add(f"{base}.xlsx", xlsx_journal.journal_xlsx(doc), f"Журнал {doc.title}, XLSX")
                done += 1
                if progress:
                    progress(done, total, f"Журнал {doc.title}")
            for n, (column, title) in enumerate(columns, start=1):
                summary = reports_attestation.summary(actor, school_id, column=column, start_year=start_year)
                stem = f"Сводные ведомости/{n:02d} {_safe(title)}"
                add(f"{stem}.pdf", pdf_attestation.summary_pdf(summary), f"Сводная ведомость: {title}, PDF")
                add(f"{stem}.xlsx", xlsx_attestation.summary_xlsx(summary), f"Сводная ведомость: {title}, XLSX")
                done += 1
                if progress:
                    progress(done, total, f"Сводная ведомость: {title}")
            made = clock.to_local(clock.now(), head.timezone)
            readme = _readme(head.name, start_year, made, len(keys), entries, the_year.is_closed).encode("utf-8")
            add("Прочтите.txt", readme, "Что в архиве и как его проверить")
            manifest = {
                "school": {"id": head.id, "name": head.name, "short_name": head.short_name},
                "year": year_title(start_year), "start_year": start_year, "year_closed": bool(the_year.is_closed),
                "made_at": made.isoformat(timespec="seconds"), "made_by": actor.login,
                "journals": len(keys), "files": entries,
            }
            manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
            zf.writestr(f"{root}/manifest.json", manifest_bytes)
            sums = [(e["sha256"], e["path"]) for e in entries]
            sums.append((hashlib.sha256(manifest_bytes).hexdigest(), "manifest.json"))
            zf.writestr(f"{root}/SHA256SUMS", "".join(f"{h}  {p}\n" for h, p in sums).encode("utf-8"))
        private.protect(tmp)   # mkstemp makes it 0600 already: the archive holds pupils' marks
        if seal_key:
            sealed.seal_in_place(tmp, seal_key, tmp + sealed.SUFFIX)
            tmp += sealed.SUFFIX
        os.replace(tmp, final_path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise ArchiveError(_write_error(out, e)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        Path(str(tmp).removesuffix(sealed.SUFFIX)).unlink(missing_ok=True)
        raise
    data = final_path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    audit.record_now(actor, "year.archived", school_id=school_id, entity="academic_year", entity_id=the_year.id,
                     detail=f"{year_title(start_year)}; файл {name}; файлов: {len(entries) + 2}; "
                            f"журналов: {len(keys)}; sha256 {digest}")
    record_export(actor, school_id, "архив журналов учебного года", "zip", pupils=_pupils(school_id, the_year.id),
                  scope=f"{year_title(start_year)}, вся школа")
    return ArchiveResult(final_path, len(entries) + 2, len(keys), len(data), digest, start_year)


def years(actor: Actor, school_id: int) -> list[tuple[int, bool]]:
    """The school's years, newest first: (start year, closed)."""
    from models import AcademicYear
    with reading() as tx:
        policy.require(actor, ACTION, school_target(tx, school_id))
        rows = tx.exec(select(AcademicYear.start_year, AcademicYear.is_closed)
                       .where(AcademicYear.school_id == school_id).order_by(AcademicYear.start_year.desc())).all()
    return [(y, bool(c)) for y, c in rows]


def saved(actor: Actor, school_id: int, folder: str | Path | None = None) -> list[Path]:
    """The archives of the school already made (by this screen, `archive-year` or the closing of a
    year), newest year first."""
    from services.core import config
    with reading() as tx:
        policy.require(actor, ACTION, school_target(tx, school_id))
    folder = Path(folder if folder is not None else config.get("PORTAL_ARCHIVE_DIR"))
    if not folder.is_dir():
        return []
    found = list(folder.glob(f"archive_school{school_id}_*.zip")) + \
        list(folder.glob(f"archive_school{school_id}_*.zip{sealed.SUFFIX}"))
    return sorted(found, key=lambda p: p.name, reverse=True)


def _pupils(school_id: int, year_id: int) -> int:
    from models import Enrollment, SchoolClass
    with reading() as tx:
        return tx.exec(select(func.count(func.distinct(Enrollment.student_id)))
                       .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
                       .where(Enrollment.school_id == school_id, SchoolClass.year_id == year_id)).one()


def _readme(school: str, start_year: int, made, journals: int, entries: list[dict], closed: bool) -> str:
    lines = [
        f"{school}",
        f"Архив электронных журналов за {year_title(start_year)} учебный год",
        f"Сформирован {made:%d.%m.%Y в %H:%M}" + ("" if closed else " (учебный год ещё не закрыт)"),
        "",
        "Что внутри:",
        f"  Журналы/<класс>/<предмет>.pdf и .xlsx — {journals} журналов: уроки, темы, домашние задания,",
        "    отметки, посещаемость, отметки за периоды, годовые, экзаменационные и итоговые.",
        "  Сводные ведомости/ — сводные ведомости промежуточной и итоговой аттестации по всей школе.",
        "  manifest.json — список всех файлов с размером и контрольной суммой SHA-256.",
        "  SHA256SUMS — те же суммы; проверка: sha256sum -c SHA256SUMS (в Windows: certutil -hashfile ФАЙЛ SHA256).",
        "",
        "Файлы PDF открываются любой программой просмотра PDF, XLSX — Excel, LibreOffice или МойОфис;",
        "портал для чтения архива не нужен.",
        "",
        f"Файлов с данными: {len(entries)}.",
    ]
    return "\n".join(lines) + "\n"
