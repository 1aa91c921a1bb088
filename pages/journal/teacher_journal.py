"""«Журнал» (teacher): pick a class (or subgroup) and subject and a study period, fill the grid
of pupils by works (marks, attendance) and the period marks beside it; the year marks and one
lesson's page open on request below (ui/journal_panels.py).

The grid is a form: typed marks stay in the browser until «Сохранить», which saves in its
callback, so one run both saves and shows the saved grid, with the result beside the button.
Today's lesson (or the last one) is marked «▶» and the grid opens a week either side of it;
a period mark typed before the period's last two weeks asks to be confirmed.

Query parameters `class`, `subject`, `subgroup` and `date` (YYYY-MM-DD) preselect the journal,
the period containing the date and the week around it (the to-do page links here that way).
The page only shows and hands edits to services/journal/grid.py and period_marks.py."""
from __future__ import annotations

from datetime import date

import streamlit as st

from ui import journal_panels, reports_ui
from ui import web
from services.core import clock
from services.journal import grid as journal, view as journal_view, period_marks
from services.core.actor import Actor
from services.core.policy import AccessDenied
from services.rules import journal_screen as screen
from services.rules.edit_window import EDIT_WINDOWS

CHOICE_KEY = "journal_choice"
FOCUS_KEY = "journal_focus"        # the date the shown range is centred on (a date)
WIDE_KEY = "journal_whole_period"
REV_KEY = journal_panels.REV_KEY   # bumped after a save: a fresh editor over the reloaded grid
EDITOR_KEY = "journal_editor"      # the key of the editor of the last run (for tests)
PROBLEMS_KEY = "journal_problems"  # (editor key, [messages]) of a refused save
RESULT_KEY = "journal_result"      # (journal, kind, text): the last save's result, shown beside «Сохранить»
EARLY_KEY = "journal_early"        # the editor key whose early period mark awaits a confirmation
UNSAVED_CLASS = "portal-unsaved"   # where the browser counts the unsaved cells (web.unsaved_guard)
QP_KEY = "journal_query_applied"
LESSON_KEY = journal_panels.LESSON_KEY
YEAR_EDITOR_KEY = journal_panels.YEAR_EDITOR_KEY
PUPIL_WIDTH, WORK_WIDTH = 210, 96  # px: the name column, a work column («16.11 №2» and its edit icon)
ROW_HEIGHT = 35                    # px: a row of Streamlit's grid
SHOWN_ROWS = 12                    # pupils in sight at once: with «Сохранить» above, the grid fits a
                                   # 1440×900 window, and typing down a column scrolls the grid, not the page
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
    return screen.shown_range(period.starts_on, period.ends_on, focus, whole)


def _problem_text(p: journal.CellProblem) -> str:
    """Every refused cell names its pupil and date (the service's messages mostly do already)."""
    if p.pupil and not p.message.startswith(p.pupil):
        when = f", {p.lesson_date:%d.%m.%Y}" if p.lesson_date else ""
        return f"{p.pupil}{when}: {p.message}"
    return p.message


def _result_here(where, base: str) -> None:
    """The result of the last save of this journal, beside «Сохранить» (shown once)."""
    found = st.session_state.get(RESULT_KEY)
    if found and found[0] == base:
        st.session_state.pop(RESULT_KEY, None)
        getattr(where, found[1])(found[2])


def _save(grid: journal.Grid, key: str, base: str, partial: bool, period_ends_on: date) -> None:
    """The callback of «Сохранить»: runs before the page, so the same run shows the saved grid
    (a fresh editor over the reloaded data) and the result beside the button."""
    actor = web.current_actor()  # checked again: the session may have ended while typing
    if actor is None:
        return
    state = st.session_state
    edited = state.get(key, {}).get("edited_rows", {})
    changes = journal_view.cell_changes(grid, edited)
    marks_changes = journal_view.period_changes(grid, edited)
    if not changes and not marks_changes:
        state[RESULT_KEY] = (base, "info", "Изменений нет: сохранять нечего.")
        return
    today = clock.today(grid.tz)
    if marks_changes and screen.period_mark_early(today, period_ends_on) and not state.get(f"{key}_early"):
        state[EARLY_KEY] = key
        state[RESULT_KEY] = (base, "warning", (
            f"Ничего не сохранено: отметку за период ставят в последние две недели периода (с "
            f"{screen.period_mark_opens(period_ends_on):%d.%m.%Y}). Если вы ставите её досрочно намеренно, "
            "отметьте «Ставлю отметку за период досрочно» и нажмите «Сохранить» ещё раз; иначе сотрите её "
            "в столбце «За период»."))
        return
    result = journal.save_cells(actor, changes, partial=partial) if changes else journal.SaveResult()
    problems = [_problem_text(p) for p in result.errors + result.conflicts]
    if problems and not partial:
        state[PROBLEMS_KEY] = (key, problems)
        state[RESULT_KEY] = (base, "error", "Ничего не сохранено. Исправьте клетки или сохраните остальные:\n\n"
                             + "\n".join(f"- {web.md(p)}" for p in problems))
        return
    saved_marks = 0
    if marks_changes:
        try:
            saved_marks = period_marks.save(actor, grid.class_id, grid.subject_id, grid.period_id, marks_changes)
        except (period_marks.PeriodMarkError, AccessDenied) as error:
            problems.append(f"Отметки за период: {error}")
    state.pop(PROBLEMS_KEY, None)
    state.pop(EARLY_KEY, None)
    parts = ([f"клеток: {result.saved}"] if result.saved or not saved_marks else []) + \
        ([f"отметок за период: {saved_marks}"] if saved_marks else [])
    text = f"Сохранено {', '.join(parts)} в {clock.local_now(grid.tz):%H:%M}."
    if problems:
        state[RESULT_KEY] = (base, "warning", text + " Не сохранено: " + " ".join(problems))
    else:
        state[RESULT_KEY] = (base, "success", text)
    state[REV_KEY] = state.get(REV_KEY, 0) + 1  # the next editor shows the grid as saved


def _config(view: journal_view.EditorLayout, marked: str | None) -> dict:
    config = {journal_view.PUPIL: st.column_config.TextColumn(journal_view.PUPIL, pinned=True, width=PUPIL_WIDTH)}
    for label in view.work_columns:
        title = f"▶ {label}" if label == marked else label
        config[label] = st.column_config.TextColumn(title, help=web.md(view.help[label]), width=WORK_WIDTH,
                                                    max_chars=20)
    config[journal_view.AVG] = st.column_config.TextColumn(journal_view.AVG, help="Среднее арифметическое за период")
    config[journal_view.WAVG] = st.column_config.TextColumn(
        journal_view.WAVG, help="Среднее с весами видов работ за период; «осв», «н/а», «зач» не учитываются")
    config[journal_view.ABSENT] = st.column_config.NumberColumn(journal_view.ABSENT, help="Пропусков за период")
    config[journal_view.LATE] = st.column_config.NumberColumn(journal_view.LATE, help="Опозданий за период")
    if view.show_period_mark:
        config[journal_view.SUGGESTED] = st.column_config.TextColumn(
            journal_view.SUGGESTED, help=web.md(view.help[journal_view.SUGGESTED]))
        config[journal_view.PERIOD] = st.column_config.TextColumn(
            journal_view.PERIOD, help=web.md(view.help[journal_view.PERIOD]) + "; ставится в последние две недели "
            "периода, раньше — с подтверждением", max_chars=6)
    return config


def _grid(grid: journal.Grid, key: str, base: str, period: journal.PeriodChoice) -> None:
    view = journal_view.layout(grid)
    marked_at = screen.today_column([c.lesson_date for c in grid.columns], clock.today())
    marked = grid.columns[marked_at].label if marked_at is not None else None
    config = _config(view, marked)
    if not view.work_columns:
        st.info("В выбранные дни уроков нет. Включите «Весь период» или выберите другой период.")
    height = ROW_HEIGHT * (min(len(view.frame), SHOWN_ROWS) + 1) + 3
    if not view.editable_columns:
        st.dataframe(view.frame, placeholder="", hide_index=True, width="stretch", height=height, column_config=config)
    else:
        # a form: the edits stay in the browser until «Сохранить» (no run per typed cell)
        disabled = [c for c in view.frame.columns if c not in view.editable_columns]
        with st.form(f"{key}_form", border=False, enter_to_submit=False):
            left, middle, right = st.columns([1.2, 1.5, 5.3], vertical_alignment="center")
            left.form_submit_button("Сохранить", type="primary", key=f"{key}_save", on_click=_save,
                                    args=(grid, key, base, False, period.ends_on), width="stretch")
            middle.html(f'<div class="{UNSAVED_CLASS}" data-key="{key}"></div>', width="stretch")
            _result_here(right, base)
            refused = st.session_state.get(PROBLEMS_KEY)
            if refused and refused[0] == key:
                st.form_submit_button("Сохранить остальные клетки", key=f"{key}_partial", on_click=_save,
                                      args=(grid, key, base, True, period.ends_on))
            if st.session_state.get(EARLY_KEY) == key:
                st.checkbox("Ставлю отметку за период досрочно", key=f"{key}_early")
            # on_change="ignore": the browser hands each committed cell to the form at once, not
            # 150 ms later (Streamlit's debounce), so «Сохранить» right after the last key need not wait
            st.data_editor(view.frame, placeholder="", key=key, hide_index=True, width="stretch", height=height, disabled=disabled,
                           column_config=config, on_change="ignore")
        web.unsaved_guard()
    web.table_downloads(lambda: view.frame, stem=f"Журнал {grid.class_name} {grid.subject_name} {grid.period_name}",
                        sheet="Журнал", key=f"{key}_dl")


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
    whole = top[2].toggle("Весь период", key=WIDE_KEY, help="По умолчанию — неделя до и после сегодняшнего дня")
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
    st.caption(f"{web.md(grid.class_name)} · {web.md(grid.subject_name)} · {web.md(grid.period_name)}: {lo:%d.%m} – {hi:%d.%m.%Y}. "
               f"Изменение отметок: «{window}». Средние и пропуски — за весь период.")
    if grid.year_closed:
        st.warning(f"Учебный год {grid.year_name} закрыт: журнал доступен только для просмотра.")
    elif not chosen.own:
        st.caption("Только просмотр: отметки ставит учитель, ведущий урок.")
    st.caption(LEGEND)
    base = f"journal_grid_{chosen.class_id}_{chosen.subject_id}_{chosen.subgroup_id or 0}_{period.id}"
    key = f"{base}_{lo:%Y%m%d}_{hi:%Y%m%d}_{st.session_state.get(REV_KEY, 0)}"
    st.session_state[EDITOR_KEY] = key
    _grid(grid, key, base, period)
    reports_ui.paper_journal(actor, chosen.class_id, subject_id=chosen.subject_id, subgroup_id=chosen.subgroup_id,
                             period_id=period.id, period_name=period.name, stem=f"{grid.class_name} {grid.subject_name}",
                             key=f"{base}_paper")
    reports_ui.paper_journal(actor, chosen.class_id, period_id=period.id, period_name=period.name,
                             stem=grid.class_name, key=f"journal_class_paper_{chosen.class_id}_{period.id}")
    journal_panels.year_marks(grid)
    journal_panels.lesson_panel(grid, min(max(focus, lo), hi))

