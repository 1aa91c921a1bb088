"""The diary's HTML (ui/diary_ui.py): every lesson's time, subject, topic, marks, absence and
homework in its day's card; text escaped; decimal commas; nothing shown as «None»."""
from __future__ import annotations

from datetime import date, datetime, time

from services.journal import diary
from ui import diary_ui


def mark(value: str, work_type: str = "Ответ на уроке", new: bool = False) -> diary.DiaryMark:
    return diary.DiaryMark(value, work_type, 1.0, datetime(2026, 3, 10, 12, 0), new)


def lesson(lesson_id: int = 1, number: int = 2, subject: str = "Математика", topic=None, homework: str = "",
           not_done: bool = False, marks=(), attendance: str = "", title: str = "") -> diary.DiaryLesson:
    return diary.DiaryLesson(lesson_id, date(2026, 3, 10), number, time(9, 25), time(10, 10), subject, topic,
                             homework, not_done, tuple(marks), attendance, title)


def week(*lessons: diary.DiaryLesson) -> diary.Week:
    w = diary.Week(7, "Анна Иванова", date(2026, 3, 9))
    w.days = [diary.DiaryDay(date(2026, 3, 9), "Понедельник, 09.03", ()),
              diary.DiaryDay(date(2026, 3, 10), "Вторник, 10.03", tuple(lessons))]
    return w


def test_a_lesson_card_holds_time_subject_topic_marks_absence_and_homework():
    html = diary_ui.week_html(week(lesson(topic="Дроби", homework="№ 12, 14", not_done=True,
                                          marks=[mark("5"), mark("4", "Контрольная работа")],
                                          attendance="О", title="Опоздание")), set())
    card = html.split('<div class="diary-lesson">')[1]
    for part in ('<span class="diary-num">2.</span>', "09:25–10:10", '<span class="diary-subject">Математика</span>',
                 "Тема:</span> Дроби", "<b>5</b> <small>ответ на уроке</small>", "<b>4</b> <small>контрольная работа",
                 '<div class="diary-absence">О — опоздание</div>', "Д/з:</span> № 12, 14",
                 '<span class="diary-miss">не выполнено</span>'):
        assert part in card, part
    assert "<h4>Понедельник, 09.03</h4><div class=\"diary-note\">Уроков нет</div>" in html
    assert "10.03.2026 · Математика · 5 (ответ на уроке)</li>" in html


def test_nothing_is_none_and_new_marks_come_first_and_highlighted():
    html = diary_ui.week_html(week(lesson(1, marks=[mark("3")]), lesson(2, 3, "Физика", marks=[mark("5", new=True)]),
                                   lesson(3, 4, "Химия", marks=[mark("4")])), {(3, "4", "Ответ на уроке")})
    assert "None" not in html and "Тема:" not in html and "Д/з:" not in html
    items = html.split('<ul class="diary-list">')[1].split("</ul>")[0]
    assert items.index("Физика") < items.index("Математика") and items.index("Химия") < items.index("Математика")
    assert items.count('<li class="new">') == 2 and "· новая" in items
    assert html.count('class="diary-mark new"') == 2


def test_text_from_the_database_is_escaped():
    hostile = '<img src=x onerror="alert(1)">'
    html = diary_ui.week_html(week(lesson(subject=hostile, topic=hostile, homework=hostile, marks=[mark("5", hostile)])),
                              set())
    assert "<img" not in html and html.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") >= 4


def test_averages_carry_a_decimal_comma_and_empty_is_a_dash():
    subjects = [diary.SubjectMarks("Математика", ((date(2026, 3, 10), mark("3")), (date(2026, 3, 11), mark("4"))),
                                   3.5, 3.6667, 2, 1),
                diary.SubjectMarks("Музыка", (), None, None, 0, 0)]
    html = diary_ui.subjects_html(subjects)
    assert "Средний: 3,50" in html and "Средневзвешенный: 3,67" in html and "Пропуски: 2" in html
    assert "Средний: —" in html and "нет отметок" in html
    assert "None" not in html and "3.5" not in html and "3.67" not in html


def test_the_trend_chart_has_russian_dates_and_decimal_commas():
    marks = ((date(2026, 3, 10), mark("5")), (date(2026, 3, 10), mark("н")), (date(2026, 3, 10), mark("4")),
             (date(2026, 3, 17), mark("2")))
    spec = diary_ui.trend_chart(diary.SubjectMarks("Математика", marks, 3.67, 3.67, 0, 0)).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [r["Подпись"] for r in rows if r["Ряд"] == "Отметка"] == ["10.03", "10.03 (2)", "17.03"]
    assert [r["Текст"] for r in rows if r["Ряд"] == "Средневзвешенный"] == ["5,00", "4,50", "3,67"]
    assert spec["encoding"]["x"]["type"] == "ordinal"  # no time axis: Vega would write «Tue 10»
    assert spec["encoding"]["x"]["sort"] == ["10.03", "10.03 (2)", "17.03"]


def test_exam_results_are_a_table_escaped_and_without_none():
    from services.reports.exams import PupilResult
    from ui import diary_extras
    results = [PupilResult("ЕГЭ", "<b>Химия</b>", date(2026, 6, 3), 21, 72, None, None),
               PupilResult("ВПР", "Математика", date(2026, 4, 16), 12, None, 4, 5)]
    html = diary_extras.exams_html(results)
    assert "&lt;b&gt;Химия&lt;/b&gt;" in html and "<b>Химия</b>" not in html
    assert "None" not in html and "03.06.2026" in html
    assert "<td>12</td><td></td><td><b>4</b></td><td>5</td>" in html
    assert diary_extras.exams_html([]) == ""
