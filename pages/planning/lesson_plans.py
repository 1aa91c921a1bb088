"""«КТП» (a teacher for the classes and subjects they teach, a deputy director for their
parallels): the lesson plan of a subject for a class or a whole parallel — entered in a table or
imported from Excel (№ урока, Тема, Часы, Вид работы, Дата по плану), every row checked first —
and where each class stands against it (behind or ahead, by how many lessons). Topics are
proposed to the lessons in order by services/planning/lesson_plans.py."""
from __future__ import annotations

import hashlib
from datetime import date, datetime

import pandas as pd
import streamlit as st

from importers.lesson_plan import WORK_KINDS
from services.core.policy import AccessDenied
from services.planning import curriculum, lesson_plans, timetable
from services.planning.lesson_plans import PlanError, TopicRow
from ui import web

KEY = "ktp"
NEW = 0
NO_KIND = "—"   # no work kind
COLUMNS = ["№ урока", "Тема", "Часы", "Вид работы", "Дата по плану"]


def render(actor, school_id: int) -> None:
    st.title("Календарно-тематическое планирование (КТП)")
    try:
        plans = lesson_plans.plans(actor, school_id, mine=not lesson_plans.plans_everything(actor))
    except (AccessDenied, ValueError) as e:
        st.error(str(e))
        return
    labels = {p.id: f"{p.subject_name} — {p.target}" + (f" ({p.teacher_name})" if p.teacher_name else "")
              for p in plans}
    labels[NEW] = "＋ Новый КТП"
    opened = st.session_state.pop(f"{KEY}_open", None)  # a plan just created: open it
    if opened in labels:
        st.session_state[f"{KEY}_plan"] = opened
    chosen = st.selectbox("КТП", list(labels), format_func=labels.get, key=f"{KEY}_plan")
    if chosen == NEW:
        _create(actor, school_id)
        return
    detail = lesson_plans.load(actor, chosen)
    st.caption(f"Тем: {detail.info.topics}, часов: {detail.info.hours:g}. "
               f"Классы: {web.md(', '.join(name for _, name in detail.classes)) or '—'}.")
    _progress(actor, detail)
    topics, upload = st.tabs(["Темы", "Загрузка из Excel"])
    with topics:
        _topics(actor, detail)
    with upload:
        if detail.editable:
            _import(actor, detail)
        else:
            st.info("Этот КТП вам доступен только для просмотра.")


def _create(actor, school_id: int) -> None:
    subjects, classes = lesson_plans.new_plan_choices(
        actor, {s.id: s.name for s in curriculum.subjects(actor, school_id)},
        dict(timetable.classes_for(actor, school_id)))
    if not subjects or not classes:
        st.info("Нет предметов и классов, для которых вы можете составить КТП.")
        return
    subject_id = st.selectbox("Предмет", list(subjects), format_func=subjects.get, key=f"{KEY}_new_subject")
    scope = st.radio("Для кого", ["Класс", "Параллель"], horizontal=True, key=f"{KEY}_new_scope")
    class_id = grade = None
    if scope == "Класс":
        class_id = st.selectbox("Класс", list(classes), format_func=classes.get, key=f"{KEY}_new_class")
    else:
        grades = sorted({int("".join(ch for ch in name if ch.isdigit()) or 0) for name in classes.values()})
        grade = st.selectbox("Параллель", grades, format_func=lambda g: f"{g} классы", key=f"{KEY}_new_grade")
    name = st.text_input("Название (необязательно)", max_chars=200, key=f"{KEY}_new_name")
    if st.button("Создать КТП", type="primary", key=f"{KEY}_new_go"):
        try:
            plan_id = lesson_plans.create_plan(actor, school_id, subject_id, class_id=class_id, grade=grade, name=name)
        except (AccessDenied, ValueError) as e:
            st.error(f"КТП не создан: {e}")
        else:
            st.session_state[f"{KEY}_open"] = plan_id
            web.notify("success", "КТП создан: заполните темы или загрузите их из Excel.")
            st.rerun()


def _progress(actor, detail) -> None:
    rows = []
    for class_id, name in detail.classes:
        try:
            p = lesson_plans.progress(actor, class_id, detail.info.subject_id)
        except (AccessDenied, ValueError):
            continue
        d = p.difference
        state = "по плану" if d == 0 else f"отстаёт на {-d}" if d < 0 else f"опережает на {d}"
        note = p.text.split(").", 1)[1].strip() if ")." in p.text else ""
        rows.append({"Класс": name, "Где класс": state, "Проведено уроков": p.given, "По плану": p.expected,
                     "Разница": d, "Следующая тема": p.next_topic, "Замечание": note})
    if rows:
        st.markdown("**Где класс по КТП на сегодня**")
        frame = pd.DataFrame(rows)
        st.dataframe(frame, placeholder="", hide_index=True, key=f"{KEY}_progress",
                     column_config={"Следующая тема": st.column_config.TextColumn(width="large"),
                                    "Замечание": st.column_config.TextColumn(width="large")})
        web.table_downloads(lambda: frame, stem=f"Выполнение КТП {detail.info.name}", sheet="Выполнение КТП",
                            key=f"{KEY}_progress_dl")
        behind = [r for r in rows if r["Разница"] < 0]
        if behind:
            st.warning("Отстают от плана: " + "; ".join(f"{r['Класс']} — на {-r['Разница']}" for r in behind) + ".")


def _day(value) -> date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _topics(actor, detail) -> None:
    frame = pd.DataFrame([{"№ урока": t.number, "Тема": t.topic, "Часы": t.hours, "Вид работы": t.work_kind or NO_KIND,
                           "Дата по плану": t.planned_on} for t in detail.topics], columns=COLUMNS)
    version = st.session_state.get(f"{KEY}_version", 0)
    edited = st.data_editor(
        frame, placeholder="", key=f"{KEY}_topics_{detail.info.id}_{version}", hide_index=True, width="stretch",
        num_rows="dynamic" if detail.editable else "fixed", disabled=not detail.editable,
        column_config={"№ урока": st.column_config.NumberColumn("№ урока", min_value=1, max_value=1000, step=1,
                                                               required=True, width=80),
                       "Тема": st.column_config.TextColumn("Тема", required=True, max_chars=500, width="large"),
                       "Часы": st.column_config.NumberColumn("Часы", min_value=0.5, max_value=10, step=0.5,
                                                             default=1.0, width=70),
                       "Вид работы": st.column_config.SelectboxColumn("Вид работы", options=[NO_KIND, *WORK_KINDS],
                                                                      default=NO_KIND, width=140),
                       "Дата по плану": st.column_config.DateColumn("Дата по плану", format="DD.MM.YYYY")})
    web.table_downloads(lambda: frame.assign(**{"Дата по плану": [f"{d:%d.%m.%Y}" if isinstance(d, date) else ""
                                                                  for d in frame["Дата по плану"]]}),
                        stem=f"КТП {detail.info.name}", sheet="КТП", key=f"{KEY}_topics_dl")
    if not detail.editable:
        return
    if st.button("Сохранить темы", type="primary", key=f"{KEY}_topics_save"):
        rows, problems = [], []
        for i, rec in enumerate(edited.to_dict("records"), start=1):
            number, topic = rec.get("№ урока"), rec.get("Тема")
            if (number is None or pd.isna(number)) and not topic:
                continue
            if number is None or pd.isna(number) or not str(topic or "").strip():
                problems.append(f"Строка {i}: укажите номер урока и тему.")
                continue
            hours = rec.get("Часы")
            rows.append(TopicRow(int(number), str(topic), 1.0 if hours is None or pd.isna(hours) else float(hours),
                                 "" if rec.get("Вид работы") in (None, NO_KIND) else str(rec["Вид работы"]),
                                 _day(rec.get("Дата по плану"))))
        if problems:
            st.error("Темы не сохранены:\n\n" + "\n".join(f"- {p}" for p in problems))
            return
        try:
            counts = lesson_plans.save_topics(actor, detail.info.id, rows)
        except (AccessDenied, ValueError) as e:
            st.error("Темы не сохранены:\n\n" + "\n".join(f"- {web.md(p)}" for p in str(e).splitlines()))
        else:
            st.session_state[f"{KEY}_version"] = version + 1
            web.notify("success", f"Темы сохранены: добавлено {counts['added']}, изменено {counts['changed']}, "
                                  f"убрано {counts['removed']}; предложено урокам: {counts['proposed']}.")
            st.rerun()


def _import(actor, detail) -> None:
    st.download_button("Скачать шаблон", lesson_plans.template(), file_name="Шаблон — КТП.xlsx",
                       icon=":material/download:", key=f"{KEY}_template")
    st.caption("Столбцы: № урока, Тема, Часы, Вид работы (практическая, лабораторная, контрольная, экскурсия или "
               "пусто), Дата по плану. Темы КТП заменяются строками файла.")
    upload = web.sheet_uploader(f"{KEY}_file_{detail.info.id}")
    if upload is None:
        return
    data, name = upload.getvalue(), upload.name
    digest = hashlib.sha256(data).hexdigest()[:16]
    try:
        check = lesson_plans.import_topics(actor, detail.info.id, data, name, dry_run=True)
    except (AccessDenied, PlanError) as e:
        st.error(str(e))
        return
    only_valid = web.import_review(check, name, KEY, digest,
                                   f"Файл «{web.md(name)}» проверен: строк {check.rows}, ошибок нет. Будет добавлено "
                                   f"{check.added}, изменено {check.changed}, убрано {check.removed}.")
    if only_valid is None:
        return
    if st.button("Загрузить КТП", type="primary", key=f"{KEY}_import_{digest}"):
        result = lesson_plans.import_topics(actor, detail.info.id, data, name, only_valid=only_valid)
        if not result.committed:
            st.error("КТП не загружен: " + "; ".join(web.md(p.text()) for p in result.errors[:5]))
            return
        st.session_state[f"{KEY}_version"] = st.session_state.get(f"{KEY}_version", 0) + 1
        web.notify("success", f"КТП загружен: добавлено {result.added}, изменено {result.changed}, убрано "
                              f"{result.removed}; предложено урокам: {result.proposed}.")
        st.rerun()
