"""Small shared pieces of the timetable screens: a week as light HTML (a table at desktop width,
a list of days on a phone), labels that map back to ids."""
from __future__ import annotations

from datetime import date
from html import escape

import pandas as pd
import streamlit as st

from services.planning.timetable_views import Week
from services.rules.timetable import DAY_SHORT
from ui import web

MARK = "⚠ "  # before a changed lesson

# One stylesheet for every week shown: the table fills the window and wraps inside its cells
# (nothing is cut off at 1440 px); below 640 px the table gives way to a list of days.
STYLE = """<style>
.tt-week{width:100%;border-collapse:collapse;table-layout:fixed;font-size:0.9rem}
.tt-week th,.tt-week td{border:1px solid rgba(128,128,128,.35);padding:4px 6px;vertical-align:top;
  overflow-wrap:anywhere;word-break:normal}
.tt-week th{background:rgba(128,128,128,.08);font-weight:600;text-align:left}
.tt-week th.tt-n,.tt-week td.tt-n{width:2.5rem;text-align:center}
.tt-lesson+.tt-lesson{margin-top:4px;padding-top:4px;border-top:1px dashed rgba(128,128,128,.35)}
.tt-changed{color:#b45309}
.tt-small{font-size:0.8rem}
.tt-small td{padding:2px 4px}
.tt-days{display:none}
.tt-day{margin:0 0 .8rem 0}
.tt-day h4{margin:.2rem 0;font-size:1rem}
.tt-day ol{margin:0;padding-left:0;list-style:none}
.tt-day li{display:flex;gap:.3rem;padding:3px 0;border-bottom:1px solid rgba(128,128,128,.2)}
.tt-day li .tt-lesson+.tt-lesson{border-top:0;margin-top:0;padding-top:0}
.tt-day .tt-num{display:inline-block;min-width:1.6rem;font-weight:600}
@media (max-width:640px){.tt-week:not(.tt-small){display:none}.tt-days{display:block}}
</style>"""


def _lesson_html(cell, show_class: bool, show_teacher: bool) -> str:
    text = escape(cell.text(show_class, show_teacher))
    if cell.changed:
        return f'<div class="tt-lesson tt-changed">{MARK}{text}</div>'
    return f'<div class="tt-lesson">{text}</div>'


def week_html(week: Week, *, show_class: bool = True, show_teacher: bool = True) -> str:
    """The week as HTML: lesson numbers × days with every lesson in full, and the same lessons
    as a list of days for a narrow screen. Days without lessons at the end (Saturday in a
    five-day school) are left out."""
    days = [d for d in week.days if any((d, n) in week.cells for n in week.numbers)]
    if days:
        days = [d for d in week.days if d <= days[-1] and (d.isoweekday() <= 5 or d in days)]
    head = "".join(f"<th>{DAY_SHORT[d.isoweekday()]} {d:%d.%m}</th>" for d in days)
    rows = []
    for n in week.numbers:
        cells = "".join("<td>" + "".join(_lesson_html(c, show_class, show_teacher)
                                         for c in week.cells.get((d, n), [])) + "</td>" for d in days)
        rows.append(f'<tr><td class="tt-n">{n}</td>{cells}</tr>')
    table = (f'<table class="tt-week"><thead><tr><th class="tt-n">№</th>{head}</tr></thead>'
             f'<tbody>{"".join(rows)}</tbody></table>')
    lists = []
    for d in days:
        items = "".join(
            f'<li><span class="tt-num">{n}.</span>'
            + "".join(_lesson_html(c, show_class, show_teacher) for c in week.cells.get((d, n), []))
            + "</li>" for n in week.numbers if week.cells.get((d, n)))
        lists.append(f'<section class="tt-day"><h4>{DAY_SHORT[d.isoweekday()]} {d:%d.%m}</h4>'
                     f'<ol>{items or "<li>уроков нет</li>"}</ol></section>')
    return f'{STYLE}{table}<div class="tt-days">{"".join(lists)}</div>'


def week_frame(week: Week, *, show_class: bool = True, show_teacher: bool = True) -> pd.DataFrame:
    """Lesson numbers × days («Пн 16.11»), each cell the lessons there, a changed one marked
    (the table behind the HTML week, for a download)."""
    columns = {d: f"{DAY_SHORT[d.isoweekday()]} {d:%d.%m}" for d in week.days}
    data = {"Урок": [str(n) for n in week.numbers]}
    for d, title in columns.items():
        data[title] = ["\n".join((MARK if c.changed else "") + c.text(show_class, show_teacher)
                                 for c in week.cells.get((d, n), [])) for n in week.numbers]
    return pd.DataFrame(data)


def show_week(week: Week, key: str, *, show_class: bool = True, show_teacher: bool = True) -> None:
    st.subheader(web.md(week.title))
    if not week.cells:
        st.info("На этой неделе уроков нет.")
        return
    st.html(week_html(week, show_class=show_class, show_teacher=show_teacher))
    changes = week.changes()
    if changes:
        st.markdown("**Изменения на неделе**")
        st.dataframe(pd.DataFrame({
            "Дата": [f"{d:%d.%m.%Y}" for d, _, _ in changes], "Урок": [n for _, n, _ in changes],
            "Что изменилось": [c.text(show_class, show_teacher) for _, _, c in changes]}), placeholder="",
            hide_index=True, key=f"{key}_changes")


def unique_labels(pairs: list[tuple[int, str]]) -> dict[str, int]:
    """label → id, with a number added to a label that two ids share («Иванова А. С. (2)»)."""
    out: dict[str, int] = {}
    for i, name in pairs:
        label, n = name, 2
        while label in out:
            label = f"{name} ({n})"
            n += 1
        out[label] = i
    return out


def week_picker(key: str, default: date) -> date:
    return st.date_input("Неделя (любой её день)", value=default, format="DD.MM.YYYY", key=key)
