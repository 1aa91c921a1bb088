"""«Загрузка из Excel» (secretary, administrator): pupils with guardians, staff, movement, and the
export of the region's enrolment system (XLSX or CSV; docs/enrolment-exchange.md).
Upload → every row checked (nothing written) → the problems with row and column → load all or
only the valid rows. An unknown layout gets a mapping step: which column of the file is which."""
from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from importers.excel import ImportFileError
from services.core.actor import Actor
from services.core.policy import AccessDenied
from services.people import rosters, rosters_import
from ui import web

NOT_IN_FILE = "— нет в файле —"
STATUS = {"created": "добавлен", "updated": "обновлён", "unchanged": "без изменений"}


def _where(p) -> str:
    if not p.row:
        return f"Столбец «{p.column}»" if p.column else "Файл"
    return f"Строка {p.row}, столбец «{p.column}»" + (f", значение «{p.value}»" if p.value else "")


def _mapping(actor: Actor, school_id: int, kind: str, data: bytes, name: str) -> dict[str, str] | None:
    """The mapping step when required columns were not recognised; None until it is complete."""
    headers = rosters_import.read_headers(actor, school_id, kind, data, name)
    match = rosters_import.match(kind, headers)
    if not match.missing:
        return {}
    st.warning("Не все обязательные столбцы узнаны. Укажите, какой столбец файла что содержит.")
    mapping: dict[str, str] = {}
    options = [NOT_IN_FILE] + [h for h in headers if h]
    for column in match.missing:
        chosen = st.selectbox(f"«{column.title}» — это столбец", options, key=f"imp_map_{kind}_{column.key}")
        if chosen != NOT_IN_FILE:
            mapping[column.key] = chosen
    if len(mapping) < len(match.missing):
        st.info("Выберите столбцы для всех обязательных полей или исправьте заголовки в файле.")
        return None
    return mapping


def _run(actor: Actor, school_id: int, kind: str, data: bytes, name: str, **options):
    bar = st.progress(0.0, text="Проверка файла…")

    def progress(stage: str, done: int, total: int) -> None:
        bar.progress(min(done / total, 1.0) if total else 1.0, text=f"{stage}: {done} из {total}")

    result = rosters_import.run_import(actor, school_id, kind, data, name, progress=progress, **options)
    bar.empty()
    return result


def _first_graders(actor: Actor, school_id: int) -> None:
    """First graders must be in by 5 September (4.8): how many are, flagged once the date is past."""
    fg = rosters.first_graders(actor, school_id)
    if fg is None:
        return
    by_class = ", ".join(f"{name} — {n}" for name, n in fg.classes.items())
    text = (f"Первоклассники {fg.year}/{fg.year + 1}: {fg.count}" + (f" ({by_class})" if by_class else "")
            + f". Срок внесения — {fg.due:%d.%m.%Y}.")
    if fg.flagged:
        st.warning(text + (f" Внесены после срока: {fg.entered_late}." if fg.count else " Не внесён ни один."))
    else:
        st.caption(text)


def render(actor: Actor, school_id: int) -> None:
    st.title("Загрузка из Excel")
    _first_graders(actor, school_id)
    kinds = rosters_import.KIND_TITLES
    kind = st.segmented_control("Что загружаем", list(kinds), format_func=kinds.get, default="pupils",
                                key="imp_kind") or "pupils"
    st.download_button("Скачать шаблон", rosters_import.template(kind), file_name=f"Шаблон — {kinds[kind]}.xlsx",
                       icon=":material/download:", key=f"imp_template_{kind}")
    enrolment = kind == "enrolment"
    if enrolment:
        st.caption("Выгрузка заявлений из региональной системы зачисления (XLSX или CSV). Загружаются только "
                   "заявления в статусе «Зачислен»: ребёнок становится учеником класса, заявитель — его родителем; "
                   "остальные строки пропускаются с указанием статуса.")
    upload = web.sheet_uploader(f"imp_file_{kind}", "Файл Excel или CSV (.xlsx, .xls, .ods, .csv)" if enrolment
                                else "Файл Excel (.xlsx, .xls, .ods)", csv=enrolment)
    if upload is None:
        st.caption("Заголовки узнаются без учёта регистра, пробелов и «ё»; строка заголовков — первая.")
        return
    data, name = upload.getvalue(), upload.name
    digest = hashlib.sha256(data).hexdigest()[:16]
    try:
        mapping = _mapping(actor, school_id, kind, data, name)
    except ImportFileError as error:
        st.error(f"Файл «{web.md(name)}» не прочитан: {web.md(error)}")
        return
    except AccessDenied as denied:
        st.error(str(denied))
        return
    if mapping is None:
        return
    create = False
    try:
        check = _run(actor, school_id, kind, data, name, dry_run=True, mapping=mapping or None)
        if check.missing_classes:
            create = st.checkbox(f"Создать недостающие классы: {', '.join(check.missing_classes)}",
                                 key=f"imp_create_{digest}")
            if create:
                check = _run(actor, school_id, kind, data, name, dry_run=True, mapping=mapping or None,
                             create_classes=True)
    except AccessDenied as denied:
        st.error(str(denied))
        return
    bad_rows = len({p.row for p in check.errors})
    if check.errors:
        st.error(f"В файле «{web.md(name)}» найдены ошибки: {len(check.errors)} (строк с ошибками: {bad_rows} из "
                 f"{check.rows}). Ничего не загружено.")
        st.markdown("\n".join(f"- {web.md(_where(p))}: {web.md(p.message)}" for p in check.errors[:10])
                    + (f"\n- … и ещё {len(check.errors) - 10}" if len(check.errors) > 10 else ""))
        frame = web.problems_frame(check.errors, "Ошибка")
        st.dataframe(frame, placeholder="", hide_index=True, width="stretch")
        web.table_downloads(lambda: frame, stem=f"Ошибки загрузки {name}", sheet="Ошибки", key=f"imp_err_{digest}")
    else:
        st.success(f"Файл «{web.md(name)}» проверен: строк {check.rows}, ошибок нет. Будет добавлено {check.created}, "
                   f"обновлено {check.updated}, без изменений {check.unchanged}"
                   + (f"; пропущено заявлений не в статусе «зачислен»: {check.not_enrolled}" if check.not_enrolled
                      else "") + ".")
    if check.warnings:
        st.warning(f"Предупреждения: {len(check.warnings)} (строки загрузятся)." if not check.not_enrolled else
                   f"Предупреждения: {len(check.warnings)}. Заявления не в статусе «зачислен» ({check.not_enrolled}) "
                   "пропускаются; остальные строки с предупреждениями загрузятся.")
        st.dataframe(web.problems_frame(check.warnings, "Предупреждение"), placeholder="", hide_index=True, width="stretch")
    only_valid = False
    if check.errors:
        if bad_rows >= check.rows:
            st.info("Исправьте файл и загрузите его снова.")
            return
        only_valid = st.toggle(f"Загрузить только верные строки ({check.rows - bad_rows}), остальные пропустить",
                               key=f"imp_only_{digest}")
        if not only_valid:
            st.info("Исправьте файл и загрузите его снова или включите загрузку только верных строк.")
            return
    if st.button("Загрузить", type="primary", key=f"imp_go_{digest}"):
        result = _run(actor, school_id, kind, data, name, only_valid=only_valid, mapping=mapping or None,
                      create_classes=create)
        if not result.committed:
            st.error("Загрузка не выполнена: " + "; ".join(web.md(p.text()) for p in result.errors[:5]))
            return
        st.success(f"Загружено. Добавлено: {result.created}, обновлено: {result.updated}, без изменений: "
                   f"{result.unchanged}, родителей добавлено: {result.guardians_created}"
                   + (f", пропущено строк: {result.skipped_rows}" if result.skipped_rows else "")
                   + (f", пропущено заявлений не в статусе «зачислен»: {result.not_enrolled}" if result.not_enrolled
                      else "") + ".")
        added = [f"{who} ({cls})" for _, who, cls, status in result.done if status == "created"]
        if added:
            st.markdown(web.md("Добавлены: " + ", ".join(added[:30]) + (" …" if len(added) > 30 else "")))
        done = pd.DataFrame([(row, who, cls, STATUS.get(status, status)) for row, who, cls, status in result.done],
                            columns=["Строка", "ФИО", "Класс", "Итог"])
        st.dataframe(done, placeholder="", hide_index=True, width="stretch")
