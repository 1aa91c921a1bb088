"""«Журнал» (teacher): pick a class (or subgroup) and subject and a study period, fill the grid
of pupils by works (marks, attendance), the period marks beside it, and one lesson's page
(topic, works, homework with an optional file, who did not do the previous homework, «урок
проведён»).

Query parameters `class`, `subject`, `subgroup` and `date` (YYYY-MM-DD) preselect the journal,
the period containing the date and two weeks around it (the to-do page links here that way).
The page only shows and hands edits to services/journal.py, lessons.py and period_marks.py."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from services import clock, journal, journal_view, lessons, period_marks, web
from services.actor import Actor
from services.policy import AccessDenied
from services.attachments import Upload
from services.rules.attachments import ALLOWED_TEXT, KINDS
from services.rules.edit_window import EDIT_WINDOWS

CHOICE_KEY = "journal_choice"
FOCUS_KEY = "journal_focus"        # the date the shown range is centred on (a date)
WIDE_KEY = "journal_whole_period"
REV_KEY = "journal_rev"            # bumped after a save: a fresh editor over the reloaded grid
EDITOR_KEY = "journal_editor"      # the key of the editor of the last run (for tests)
PROBLEMS_KEY = "journal_problems"  # (editor key, [messages]) of a refused save
QP_KEY = "journal_query_applied"
LESSON_KEY = "journal_lesson"
PUPIL_WIDTH, WORK_WIDTH = 210, 96  # px: the name column, a work column («16.11 №2» and its edit icon)
ROW_HEIGHT = 35                    # px: a row of Streamlit's grid
LEGEND = ("Отметки 1–5, две за работу — «5 4» или «5/4»; Н — отсутствовал, Б — болел, У — уважительная "
          "причина, О — опоздал (можно с отметкой: «О 5»); осв, н/а, а где нужно — зач, незач. "
          "«—» — ученик в этот день не числился в классе.")


def _choice_key(c: journal.JournalChoice) -> str:
    return f"{c.class_id}:{c.subject_id}:{c.subgroup_id or ''}"


def _apply_query(school_id: int, choices: list[journal.JournalChoice]) -> None:
    """Preselect from ?class=&subject=&subgroup=&date= once per distinct set of parameters."""
    signature = (web.query_id("class"), web.query_id("subject"), web.query_id("subgroup"),
                 st.query_params.get("date"))
    if not signature[0] or st.session_state.get(QP_KEY) == signature:
        return
    st.session_state[QP_KEY] = signature
    wanted = [c for c in choices if c.class_id == signature[0]
              and (not signature[1] or c.subject_id == signature[1])
              and (not signature[2] or c.subgroup_id == signature[2])]
    if not wanted:
        st.warning("Журнал из ссылки вам недоступен или не найден; выберите класс и предмет.")
        return
    wanted.sort(key=lambda c: (not c.own, c.subgroup_id is not None))  # one's own, the whole class first
    st.session_state[CHOICE_KEY] = _choice_key(wanted[0])
    try:
        focus = date.fromisoformat(signature[3]) if signature[3] else None
    except ValueError:
        focus = None
    if focus is not None:
        st.session_state[FOCUS_KEY] = focus
        st.session_state[WIDE_KEY] = False
        periods, _ = journal.periods(school_id, wanted[0].year_id)
        inside = next((p.id for p in periods if p.starts_on <= focus <= p.ends_on), None)
        if inside is not None:
            st.session_state[f"journal_period_{wanted[0].year_id}"] = inside


def _range(period: journal.PeriodChoice, focus: date, whole: bool) -> tuple[date, date]:
    if whole:
        return period.starts_on, period.ends_on
    centre = min(max(focus, period.starts_on), period.ends_on)
    return max(period.starts_on, centre - timedelta(days=14)), min(period.ends_on, centre + timedelta(days=14))


def _problem_text(p: journal.CellProblem) -> str:
    """Every refused cell names its pupil and date (the service's messages mostly do already)."""
    if p.pupil and not p.message.startswith(p.pupil):
        when = f", {p.lesson_date:%d.%m.%Y}" if p.lesson_date else ""
        return f"{p.pupil}{when}: {p.message}"
    return p.message


def _save(actor: Actor, grid: journal.Grid, key: str, edited: dict, partial: bool) -> None:
    changes = journal_view.cell_changes(grid, edited)
    marks_changes = journal_view.period_changes(grid, edited)
    result = journal.save_cells(actor, changes, partial=partial) if changes else journal.SaveResult()
    problems = [_problem_text(p) for p in result.errors + result.conflicts]
    if problems and not partial:
        st.session_state[PROBLEMS_KEY] = (key, problems)
        return
    saved_marks = 0
    if marks_changes:
        try:
            saved_marks = period_marks.save(actor, grid.class_id, grid.subject_id, grid.period_id, marks_changes)
        except (period_marks.PeriodMarkError, AccessDenied) as error:
            problems.append(f"Отметки за период: {error}")
    st.session_state.pop(PROBLEMS_KEY, None)
    parts = ([f"клеток: {result.saved}"] if result.saved or not saved_marks else []) + \
        ([f"отметок за период: {saved_marks}"] if saved_marks else [])
    text = "Сохранено " + ", ".join(parts) + "."
    if problems:
        web.notify("warning", text + " Не сохранено: " + " ".join(problems))
    else:
        web.notify("success", text)
    st.session_state[REV_KEY] = st.session_state.get(REV_KEY, 0) + 1
    st.rerun()


def _grid(actor: Actor, grid: journal.Grid, key: str) -> None:
    view = journal_view.layout(grid)
    config = {journal_view.PUPIL: st.column_config.TextColumn(journal_view.PUPIL, pinned=True, width=PUPIL_WIDTH)}
    for label in view.work_columns:
        config[label] = st.column_config.TextColumn(label, help=view.help[label], width=WORK_WIDTH, max_chars=20)
    config[journal_view.AVG] = st.column_config.TextColumn(journal_view.AVG, help="Среднее арифметическое за период")
    config[journal_view.WAVG] = st.column_config.TextColumn(
        journal_view.WAVG, help="Среднее с весами видов работ за период; «осв», «н/а», «зач» не учитываются")
    config[journal_view.ABSENT] = st.column_config.NumberColumn(journal_view.ABSENT, help="Пропусков за период")
    config[journal_view.LATE] = st.column_config.NumberColumn(journal_view.LATE, help="Опозданий за период")
    if view.show_period_mark:
        config[journal_view.SUGGESTED] = st.column_config.TextColumn(
            journal_view.SUGGESTED, help="Округление средневзвешенного балла")
        config[journal_view.PERIOD] = st.column_config.TextColumn(
            journal_view.PERIOD, help="Отметка за период: 1–5, н/а, осв (или зач/незач)", max_chars=6)
    if not view.work_columns:
        st.info("В выбранные дни уроков нет. Включите «Весь период» или выберите другой период.")
    height = ROW_HEIGHT * (len(view.frame) + 1) + 3  # the whole class at once, as on paper
    if not view.editable_columns:
        st.dataframe(view.frame, hide_index=True, width="stretch", height=height, column_config=config)
    else:
        disabled = [c for c in view.frame.columns if c not in view.editable_columns]
        st.data_editor(view.frame, key=key, hide_index=True, width="stretch", height=height, disabled=disabled,
                       column_config=config)
    web.table_downloads(lambda: view.frame, stem=f"Журнал {grid.class_name} {grid.subject_name} {grid.period_name}",
                        sheet="Журнал", key=f"{key}_dl")
    if not view.editable_columns:
        return
    edited = st.session_state.get(key, {}).get("edited_rows", {})
    refused = st.session_state.get(PROBLEMS_KEY)
    if refused and refused[0] == key:
        problems = refused[1]
        st.error("Ничего не сохранено. Исправьте клетки или сохраните остальные:\n\n"
                 + "\n".join(f"- {web.md(p)}" for p in problems))
    left, right, _ = st.columns([1, 2, 3])
    if left.button("Сохранить", type="primary", disabled=not edited, key=f"{key}_save"):
        _save(actor, grid, key, edited, partial=False)
        st.rerun()
    if refused and refused[0] == key and right.button("Сохранить остальные клетки", key=f"{key}_partial"):
        _save(actor, grid, key, edited, partial=True)


YEAR_EDITOR_KEY = "journal_year_editor"  # the key of the year marks' editor of the last run (for tests)
YEAR_KINDS = {"annual": "Годовая", "exam": "Экзаменационная", "final": "Итоговая"}


def _year_marks(actor: Actor, grid: journal.Grid) -> None:
    """Annual, exam and final marks of the class in the subject (the end of the year)."""
    if grid.no_attestation:
        return
    with st.expander("Годовые, экзаменационные и итоговые отметки"):
        try:
            marks = period_marks.year_marks(actor, grid.class_id, grid.subject_id)
        except AccessDenied as denied:
            st.error(str(denied))
            return
        frame = pd.DataFrame([{journal_view.PUPIL: p.name,
                               **{title: marks[kind].get(p.student_id, "") for kind, title in YEAR_KINDS.items()}}
                              for p in grid.pupils], dtype=object)
        key = f"journal_year_{grid.class_id}_{grid.subject_id}_{grid.subgroup_id or 0}_{st.session_state.get(REV_KEY, 0)}"
        st.session_state[YEAR_EDITOR_KEY] = key
        editable = bool(grid.editable_lessons)
        config = {journal_view.PUPIL: st.column_config.TextColumn(journal_view.PUPIL, pinned=True)}
        if not editable:
            st.dataframe(frame, hide_index=True, width="stretch", column_config=config)
            return
        st.data_editor(frame, key=key, hide_index=True, width="stretch", disabled=[journal_view.PUPIL],
                       column_config={**config, **{t: st.column_config.TextColumn(t, max_chars=6)
                                                   for t in YEAR_KINDS.values()}})
        edited = st.session_state.get(key, {}).get("edited_rows", {})
        if st.button("Сохранить итоговые отметки", disabled=not edited, key=f"{key}_save"):
            changes: dict[str, list] = {kind: [] for kind in YEAR_KINDS}
            for row, values in edited.items():
                pupil = grid.pupils[int(row)]
                for kind, title in YEAR_KINDS.items():
                    if title in values:
                        new = "" if values[title] is None else str(values[title]).strip()
                        old = marks[kind].get(pupil.student_id, "")
                        if new != old:
                            changes[kind].append(period_marks.PeriodMarkChange(pupil.student_id, old, new))
            try:
                count = period_marks.save_year(actor, grid.class_id, grid.subject_id, changes)
            except (period_marks.PeriodMarkError, AccessDenied) as error:
                st.error(f"Ничего не сохранено: {error}")
                return
            web.notify("success", f"Сохранено итоговых отметок: {count}.")
            st.session_state[REV_KEY] = st.session_state.get(REV_KEY, 0) + 1
            st.rerun()


def _lesson_panel(actor: Actor, grid: journal.Grid, focus: date) -> None:
    seen, options = set(), {}
    for c in grid.columns:
        if c.lesson_id not in seen:
            seen.add(c.lesson_id)
            options[c.lesson_id] = f"{c.lesson_date:%d.%m.%Y}, урок №{c.lesson_number}"
    if not options:
        return
    ids = list(options)
    past = [c.lesson_id for c in grid.columns if c.lesson_date <= focus]
    default = past[-1] if past else ids[0]
    key = f"{LESSON_KEY}_{grid.class_id}_{grid.subject_id}_{grid.subgroup_id}_{grid.period_id}"
    if st.session_state.get(key) not in options:
        st.session_state[key] = default
    st.subheader("Урок")
    lesson_id = st.selectbox("Урок", ids, format_func=options.get, key=key, label_visibility="collapsed")
    try:
        d = lessons.detail(actor, lesson_id)
    except AccessDenied as denied:
        st.error(str(denied))
        return
    editable = d.editable and not grid.year_closed
    with st.form(f"lesson_{d.id}_{d.version}"):
        topic = st.text_input("Тема урока", value=d.topic or d.suggested_topic, max_chars=500, disabled=not editable)
        if d.suggested_topic and not d.topic:
            st.caption("Тема предложена по КТП; сохраните урок, чтобы записать её.")
        held = st.checkbox("Урок проведён", value=d.held, disabled=not editable)
        st.markdown("**Домашнее задание**")
        hw_text = st.text_area("Задание", value=d.homework_text, max_chars=2000, disabled=not editable)
        a, b, c = st.columns(3)
        pages = a.text_input("Страницы", value=d.homework_pages, max_chars=200, disabled=not editable)
        tasks = b.text_input("Задачи, упражнения", value=d.homework_tasks, max_chars=200, disabled=not editable)
        minutes = c.number_input("Минут на выполнение", min_value=0, max_value=240, step=5,
                                 value=d.homework_minutes, disabled=not editable)
        upload = st.file_uploader(f"Файл к заданию (необязательно; {ALLOWED_TEXT}, до 5 МБ)", type=list(KINDS),
                                  key=f"hw_file_{d.id}_{d.version}", disabled=not editable)
        remove = False
        if d.homework_file:
            remove = st.checkbox(f"Убрать приложенный файл «{d.homework_file}»", disabled=not editable)
        entered = (f"записано {d.homework_entered_at:%d.%m.%Y %H:%M}" if d.homework_entered_at else "ещё не записано")
        st.caption(f"Срок записи задания — {d.homework_due:%d.%m.%Y %H:%M} (конец урока + 3 ч); {entered}.")
        misses = None
        if d.previous_homework_id:
            names = {p.student_id: p.name for p in grid.pupils}
            misses = st.multiselect(f"Не выполнили прошлое задание («{d.previous_homework_text[:60]}»)",
                                    list(names), default=[s for s in d.previous_misses if s in names],
                                    format_func=names.get, disabled=not editable,
                                    placeholder="Выберите учеников")
        if st.form_submit_button("Сохранить урок", type="primary", disabled=not editable):
            try:
                lessons.save(actor, d.id, version=d.version, topic=topic, held=held, homework_text=hw_text,
                             homework_pages=pages, homework_tasks=tasks,
                             homework_minutes=None if minutes is None else int(minutes),
                             previous_misses=frozenset(misses) if misses is not None else None,
                             homework_file=Upload(upload.name, upload.getvalue()) if upload is not None else None,
                             remove_file=remove)
            except (lessons.LessonError, AccessDenied) as error:
                st.error(f"Урок не сохранён: {error}")
            else:
                web.notify("success", f"Урок {d.lesson_date:%d.%m.%Y} сохранён.")
                st.rerun()
    if d.homework_file:
        st.download_button(f"Файл к заданию: {d.homework_file}", icon=":material/attach_file:",
                           data=lambda: lessons.homework_file(actor, d.id).data, file_name=d.homework_file,
                           on_click="ignore", key=f"hw_file_dl_{d.id}")
    _works(actor, grid, d, editable)


def _works(actor: Actor, grid: journal.Grid, d: lessons.LessonDetail, editable: bool) -> None:
    st.markdown("**Работы урока** (столбцы журнала)")
    if d.works:
        st.dataframe(pd.DataFrame([{"Вид работы": w.work_type, "Вес": w.weight, "Название": w.title,
                                    "Отметок": w.marks} for w in d.works]), hide_index=True, width="stretch")
    else:
        st.caption("Пока одна работа — «работа на уроке»; она появится с первой отметкой.")
    if not editable:
        return
    types = lessons.work_types(grid.school_id)
    names = {t.id: f"{t.name} (вес {t.weight:g}" + (f", проверка {t.checking_days} дн.)" if t.checking_days else ")")
             for t in types}
    a, b, c = st.columns([2, 2, 1])
    type_id = a.selectbox("Вид работы", list(names), format_func=names.get, key=f"work_type_{d.id}")
    title = b.text_input("Название (необязательно)", key=f"work_title_{d.id}", max_chars=200)
    if c.button("Добавить работу", key=f"work_add_{d.id}"):
        try:
            lessons.add_work(actor, d.id, type_id, title)
        except (lessons.LessonError, AccessDenied) as error:
            st.error(str(error))
        else:
            web.notify("success", "Работа добавлена: в журнале появился её столбец.")
            st.session_state[REV_KEY] = st.session_state.get(REV_KEY, 0) + 1
            st.rerun()
    empty = {w.id: f"{w.work_type}{' — ' + w.title if w.title else ''}" for w in d.works if w.marks == 0}
    if len(d.works) > 1 and empty:
        a, c = st.columns([4, 1])
        work_id = a.selectbox("Удалить работу без отметок", list(empty), format_func=empty.get,
                              key=f"work_rm_{d.id}")
        if c.button("Удалить", key=f"work_rm_btn_{d.id}"):
            try:
                lessons.remove_work(actor, work_id)
            except (lessons.LessonError, AccessDenied) as error:
                st.error(str(error))
            else:
                web.notify("success", "Работа удалена.")
                st.session_state[REV_KEY] = st.session_state.get(REV_KEY, 0) + 1
                st.rerun()


def render(actor: Actor, school_id: int) -> None:
    st.title("Журнал")
    choices = journal.choices(actor, school_id)
    if not choices:
        st.info("Вам не назначены классы и предметы в этом учебном году.")
        return
    _apply_query(school_id, choices)
    by_key = {_choice_key(c): c for c in choices}
    if st.session_state.get(CHOICE_KEY) not in by_key:
        st.session_state[CHOICE_KEY] = next(iter(by_key))
    top = st.columns([3, 2, 2])
    chosen = by_key[top[0].selectbox("Класс и предмет", list(by_key), format_func=lambda k: by_key[k].label,
                                     key=CHOICE_KEY)]
    periods, current = journal.periods(school_id, chosen.year_id)
    if not periods:
        st.info("Не заданы учебные периоды школы.")
        return
    period_by_id = {p.id: p for p in periods}
    period_key = f"journal_period_{chosen.year_id}"
    if st.session_state.get(period_key) not in period_by_id:
        st.session_state[period_key] = current
    period = period_by_id[top[1].selectbox("Учебный период", list(period_by_id),
                                           format_func=lambda i: period_by_id[i].name, key=period_key)]
    whole = top[2].toggle("Весь период", key=WIDE_KEY, help="По умолчанию — две недели до и после сегодняшнего дня")
    focus = st.session_state.get(FOCUS_KEY) or clock.today()
    if focus != clock.today() and not whole:
        top[2].button("К сегодняшнему дню", key="journal_today", on_click=st.session_state.pop, args=(FOCUS_KEY, None))
    lo, hi = _range(period, focus, whole)
    try:
        grid = journal.load_grid(actor, chosen.class_id, chosen.subject_id, period_id=period.id,
                                 subgroup_id=chosen.subgroup_id, date_from=lo, date_to=hi)
    except journal.JournalError as error:
        st.info(str(error))
        return
    window = EDIT_WINDOWS[grid.edit_window].title if grid.edit_window in EDIT_WINDOWS else grid.edit_window
    st.caption(f"{grid.class_name} · {grid.subject_name} · {grid.period_name}: {lo:%d.%m} – {hi:%d.%m.%Y}. "
               f"Изменение отметок: «{window}». Средние и пропуски — за весь период.")
    if grid.year_closed:
        st.warning(f"Учебный год {grid.year_name} закрыт: журнал доступен только для просмотра.")
    elif not chosen.own:
        st.caption("Только просмотр: отметки ставит учитель, ведущий урок.")
    st.caption(LEGEND)
    key = (f"journal_grid_{chosen.class_id}_{chosen.subject_id}_{chosen.subgroup_id or 0}_{period.id}_"
           f"{lo:%Y%m%d}_{hi:%Y%m%d}_{st.session_state.get(REV_KEY, 0)}")
    st.session_state[EDITOR_KEY] = key
    _grid(actor, grid, key)
    _year_marks(actor, grid)
    _lesson_panel(actor, grid, min(max(focus, lo), hi))

