"""The diary as a light HTML document (issue 14, item 7): a card per day, each lesson with its
time, subject, topic, marks, absence and homework, readable without sideways scrolling at a
phone width of 390 px; the marks per subject as a card each. Plain functions from the diary's
values to an HTML string, for `st.html` (tested in tests/unit/test_diary_html.py).

Every text that comes from the database (names, topics, homework, work types) goes through
`html.escape`; `st.html` also passes the result through DOMPurify. Numbers carry a decimal comma
(services/rules/averages.show), and an empty value is shown as nothing, never as «None»."""
from __future__ import annotations

from html import escape

from services.journal import diary
from services.rules.averages import show
from ui.diary_extras import homework_html

MarkKey = tuple[int, str, str]  # (lesson id, value, work type): a mark remembered as new

STYLE = """<style>
.diary{font-size:1rem;line-height:1.4;max-width:100%;overflow-wrap:anywhere}
.diary *{box-sizing:border-box}
.diary-day{border:1px solid rgba(49,51,63,.2);border-radius:.5rem;margin:0 0 .75rem;padding:.5rem .75rem}
.diary-day h4{font-size:1.05rem;margin:0 0 .25rem;padding:0}
.diary-lesson{border-top:1px solid rgba(49,51,63,.1);padding:.4rem 0}
.diary-lesson:first-of-type{border-top:0}
.diary-head{display:flex;flex-wrap:wrap;gap:.25rem .5rem;align-items:baseline}
.diary-time{color:rgba(49,51,63,.7);font-variant-numeric:tabular-nums;white-space:nowrap}
.diary-subject{font-weight:600}
.diary-marks{display:flex;flex-wrap:wrap;gap:.25rem .5rem;margin:.15rem 0}
.diary-mark{white-space:nowrap}
.diary-mark b{display:inline-block;min-width:1.6rem;text-align:center;border-radius:.3rem;
  background:#e8f0fe;padding:0 .3rem}
.diary-mark.new b{background:#fff3c4}
.diary-mark small,.diary-note{color:rgba(49,51,63,.7)}
.diary-absence{color:#a61b1b}
.diary-miss{color:#a61b1b;font-weight:600}
.diary-list{margin:.25rem 0 0;padding-left:1.2rem}
.diary-list .new{background:#fff3c4;font-weight:600}
.diary-figures{display:flex;flex-wrap:wrap;gap:.15rem 1rem;color:rgba(49,51,63,.8)}
</style>"""


def _text(value) -> str:
    """Escaped text of a value; None (or nothing) is empty, never «None»."""
    return "" if value is None else escape(str(value))


def is_new(mark: diary.DiaryMark, lesson: diary.DiaryLesson, new: set[MarkKey]) -> bool:
    return mark.is_new or (lesson.lesson_id, mark.value, mark.work_type) in new


def _mark(mark: diary.DiaryMark, fresh: bool) -> str:
    kind = _text((mark.work_type or "").lower())
    label = " · новая" if fresh else ""
    return (f'<span class="diary-mark{" new" if fresh else ""}"><b>{_text(mark.value)}</b> '
            f'<small>{kind}{label}</small></span>')


def _lesson(lesson: diary.DiaryLesson, new: set[MarkKey]) -> str:
    times = f"{lesson.starts_at:%H:%M}–{lesson.ends_at:%H:%M}" if lesson.starts_at and lesson.ends_at else ""
    parts = [f'<div class="diary-head"><span class="diary-num">{_text(lesson.number)}.</span>'
             f'<span class="diary-time">{times}</span><span class="diary-subject">{_text(lesson.subject)}</span></div>']
    if lesson.marks:
        parts.append('<div class="diary-marks">' + "".join(_mark(m, is_new(m, lesson, new)) for m in lesson.marks)
                     + "</div>")
    if lesson.attendance:
        title = lesson.attendance_title or lesson.attendance
        parts.append(f'<div class="diary-absence">{_text(lesson.attendance)} — {_text(title.lower())}</div>')
    if lesson.topic:
        parts.append(f'<div class="diary-topic"><span class="diary-note">Тема:</span> {_text(lesson.topic)}</div>')
    if lesson.homework or lesson.homework_not_done:
        miss = ' <span class="diary-miss">не выполнено</span>' if lesson.homework_not_done else ""
        parts.append(f'<div class="diary-hw"><span class="diary-note">Д/з:</span> {_text(lesson.homework)}{miss}</div>')
    return f'<div class="diary-lesson">{"".join(parts)}</div>'


def week_html(week: diary.Week, new: set[MarkKey]) -> str:
    """The week: the list of its marks (new ones first), then a card per day (Monday to Saturday)."""
    lines = []
    for day in week.days:
        for lesson in day.lessons:
            for m in lesson.marks:
                fresh = is_new(m, lesson, new)
                text = (f"{lesson.lesson_date:%d.%m.%Y} · {_text(lesson.subject)} · {_text(m.value)} "
                        f"({_text((m.work_type or '').lower())}){' · новая' if fresh else ''}")
                lines.append((not fresh, f'<li class="new">{text}</li>' if fresh else f"<li>{text}</li>"))
    summary = ('<ul class="diary-list">' + "".join(line for _, line in sorted(lines, key=lambda x: x[0])) + "</ul>"
               if lines else '<div class="diary-note">Отметок на этой неделе нет.</div>')
    parts = [STYLE, '<div class="diary diary-week">',
             f'<section class="diary-day diary-week-marks"><h4>Отметки за неделю</h4>{summary}</section>']
    for day in week.days:
        body = ("".join(_lesson(lesson, new) for lesson in day.lessons) if day.lessons
                else '<div class="diary-note">Уроков нет</div>')
        body += homework_html(day)  # what is due that day, and (greyed) what was set that day
        parts.append(f'<section class="diary-day"><h4>{_text(day.title)}</h4>{body}</section>')
    parts.append("</div>")
    return "".join(parts)


def subjects_html(subjects: list[diary.SubjectMarks]) -> str:
    """The marks of the period per subject: a card each, averages with a decimal comma."""
    cards = []
    for s in subjects:
        marks = " ".join(f"<b>{_text(m.value)}</b>" for _, m in s.marks) or '<span class="diary-note">нет отметок</span>'
        figures = [f"Средний: {show(s.average) or '—'}", f"Средневзвешенный: {show(s.weighted) or '—'}",
                   f"Пропуски: {s.absences}", f"Опоздания: {s.lates}"]
        if s.period_mark:
            figures.append(f"<b>За период: {_text(s.period_mark)}</b>")
        cards.append(f'<section class="diary-day diary-subject-card"><h4>{_text(s.subject)}</h4>'
                     f'<div class="diary-marks">{marks}</div>'
                     f'<div class="diary-figures">{"".join(f"<span>{f}</span>" for f in figures)}</div></section>')
    return STYLE + '<div class="diary diary-subjects">' + "".join(cards) + "</div>"


def trend_chart(chosen: diary.SubjectMarks):
    """The marks of a subject and the running weighted average, over Russian dates («10.03»),
    a decimal comma in the tooltips."""
    import altair as alt
    import pandas as pd

    points, total, weights, seen = [], 0.0, 0.0, {}
    for day, mark in chosen.marks:
        if not mark.value.isdigit():
            continue
        value = int(mark.value)
        total, weights = total + value * mark.weight, weights + mark.weight
        running = total / weights
        seen[day] = seen.get(day, 0) + 1  # a second mark of a day gets its own place: «10.03 (2)»
        label = f"{day:%d.%m}" + (f" ({seen[day]})" if seen[day] > 1 else "")
        base = {"Подпись": label, "Дата": f"{day:%d.%m.%Y}", "Вид работы": mark.work_type}
        points.append({**base, "Ряд": "Отметка", "Значение": value, "Текст": str(value)})
        points.append({**base, "Ряд": "Средневзвешенный", "Значение": running, "Текст": show(running)})
    frame = pd.DataFrame(points, columns=["Подпись", "Дата", "Вид работы", "Ряд", "Значение", "Текст"])
    order = list(dict.fromkeys(frame["Подпись"]))
    return (alt.Chart(frame, height=240).mark_line(point=True)
            .encode(x=alt.X("Подпись:O", sort=order, title="Дата",
                            axis=alt.Axis(labelAngle=-45, labelOverlap="parity")),
                    y=alt.Y("Значение:Q", title="Отметка", scale=alt.Scale(domain=[1, 5]),
                            axis=alt.Axis(values=[1, 2, 3, 4, 5], format="d")),
                    color=alt.Color("Ряд:N", title=None, legend=alt.Legend(orient="bottom")),
                    tooltip=[alt.Tooltip("Дата:N"), alt.Tooltip("Ряд:N", title="Что"),
                             alt.Tooltip("Текст:N", title="Значение"), alt.Tooltip("Вид работы:N")]))
