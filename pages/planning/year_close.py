"""«Закрытие учебного года» (administrator): a preview first — every class promoted to the next grade
(5А → 6А), the leaving grades graduated, the decisions a person makes per pupil (repeat,
conditional promotion, leaving) — then, after an explicit confirmation, the year's archive is made
(5.13), the old year is frozen read-only and the next one opened with the classes, curriculum and
periods copied, and (as chosen) the teaching load, subgroups, timetable template and КТП carried."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from services.core import config
from services.core.actor import Actor
from services.core.policy import AccessDenied
from services.planning import year_carry, year_close
from services.planning.year_close import DECISIONS, YearCloseError
from ui import web

KEY = "yclose"
LABELS = {code: title.capitalize() for code, title in DECISIONS.items()}
CODES = {label: code for code, label in LABELS.items()}


def render(actor: Actor, school_id: int) -> None:
    st.title("Закрытие учебного года")
    graduating = tuple(st.multiselect("Выпускные параллели", list(range(1, 12)), default=[11],
                                      key=f"{KEY}_grades",
                                      help="Ученики этих параллелей по умолчанию оканчивают обучение; "
                                           "9-классников, уходящих из школы, отметьте решением в таблице."))
    parts = set(st.multiselect("Перенести в новый год", list(year_carry.PARTS), default=list(year_carry.PARTS),
                               format_func=year_carry.PARTS.get, key=f"{KEY}_carry",
                               help="Нагрузка и подгруппы переходят с классом (5А → 6А), расписание копируется "
                                    "шаблоном с 1 сентября, КТП — для того же класса или параллели."))
    try:
        base = year_close.preview(actor, school_id, graduating=graduating, carry=parts)
    except YearCloseError as e:
        st.info(str(e) + " Открытых учебных лет для закрытия нет.")
        return
    except AccessDenied as e:
        st.error(str(e))
        return
    st.caption(f"{base.start_year}/{base.start_year + 1} учебный год → {base.next_start_year}/"
               f"{base.next_start_year + 1}. Сначала проверьте решения по ученикам: по умолчанию все переводятся "
               "в следующий класс, выпускные параллели оканчивают обучение.")
    decisions = _decisions(base)
    try:
        plan = year_close.preview(actor, school_id, graduating=graduating, decisions=decisions, carry=parts)
    except YearCloseError as e:
        st.error(f"Решения нельзя принять: {e}")
        return
    _summary(plan)
    st.divider()
    _archive(plan)
    sure = st.checkbox(f"Я проверил(а) предпросмотр: закрыть {plan.start_year}/{plan.start_year + 1} учебный год. "
                       "Сначала будет сформирован архив журналов года (5.13). После закрытия журналы года только "
                       "для чтения.", key=f"{KEY}_sure")
    if st.button("Закрыть учебный год", type="primary", disabled=not sure, key=f"{KEY}_go"):
        bar = st.progress(0.0, text="Архив года…")
        try:
            done, made = year_close.close_with_archive(
                actor, school_id, config.get("PORTAL_ARCHIVE_DIR"), year_id=plan.year_id, graduating=graduating,
                decisions=decisions, carry=parts,
                progress=lambda d, t, text: bar.progress(d / t, text=f"Архив: {d} из {t}, {text}"))
        except (YearCloseError, AccessDenied) as e:
            bar.empty()
            st.error(f"Год не закрыт, ничего не изменено. {e}")
            return
        st.session_state.pop(f"{KEY}_chosen", None)
        web.notify("success", f"Архив года сформирован ({web.md(made.path.name)}, он есть на экране «Архив учебного года»). "
                              f"{done.start_year}/{done.start_year + 1} учебный год закрыт. Переведено: "
                              f"{done.count('promote') + done.count('conditional')}, выпущено: "
                              f"{done.count('graduate')}, оставлено на повторное обучение: {done.count('repeat')}, "
                              f"выбыло: {done.count('leave')}. Открыт {done.next_start_year}/"
                              f"{done.next_start_year + 1} учебный год.")
        st.rerun()


def _archive(plan: year_close.Preview) -> None:
    """The year's archive (5.13): closing makes it first, unless it is already made."""
    if plan.archived:
        st.success("Архив журналов этого учебного года уже сделан.")
    else:
        st.info("Перед закрытием будет сформирован архив журналов года (5.13); если его не удастся "
                "сделать, год не закроется.")


def _decisions(base: year_close.Preview) -> dict[int, str]:
    """The per-pupil decisions edited in the grid, as {student id: code} (only the changed ones)."""
    if not base.pupils:
        st.info("В классах года нет учеников.")
        return {}
    frame = pd.DataFrame([{"Класс": p.from_class, "Ученик": p.name, "Решение": LABELS[p.decision]}
                          for p in base.pupils], index=[p.student_id for p in base.pupils])
    classes = sorted(set(frame["Класс"]), key=lambda n: (len(n), n))
    shown = st.multiselect("Показать классы", classes, key=f"{KEY}_classes", placeholder="Все классы")
    view = frame[frame["Класс"].isin(shown)] if shown else frame
    edited = st.data_editor(view, placeholder="", hide_index=True, num_rows="fixed", width="stretch", disabled=["Класс", "Ученик"],
                            column_config={"Решение": st.column_config.SelectboxColumn(
                                "Решение", options=list(LABELS.values()), required=True)},
                            key=f"{KEY}_grid_{'_'.join(shown)}")
    chosen = st.session_state.setdefault(f"{KEY}_chosen", {})  # student id → code, kept across class filters
    for sid in view.index:
        label = edited.at[sid, "Решение"]
        code = CODES.get(label)
        default = CODES[frame.at[sid, "Решение"]]
        if code and code != default:
            chosen[int(sid)] = code
        else:
            chosen.pop(int(sid), None)
    return {sid: code for sid, code in chosen.items() if sid in frame.index}


def _summary(plan: year_close.Preview) -> None:
    st.subheader("Предпросмотр")
    c = st.columns(5)
    c[0].metric("Переводятся", plan.count("promote"))
    c[1].metric("Условно", plan.count("conditional"))
    c[2].metric("Повторно", plan.count("repeat"))
    c[3].metric("Выпуск", plan.count("graduate"))
    c[4].metric("Выбывают", plan.count("leave"))
    frame = pd.DataFrame([{"Класс": cp.name, "Учеников": cp.pupils, "Куда": cp.to_class or "—"} for cp in plan.classes],
                         columns=["Класс", "Учеников", "Куда"])
    st.dataframe(frame, placeholder="", hide_index=True, key=f"{KEY}_classes_table")
    special = [p for p in plan.pupils if p.decision not in ("promote", "graduate")]
    if special:
        st.markdown("**Особые решения**")
        st.dataframe(pd.DataFrame([{"Ученик": p.name, "Класс": p.from_class, "Решение": LABELS[p.decision],
                                    "Новый класс": p.to_class or "—"} for p in special]), placeholder="", hide_index=True)
    web.table_downloads(lambda: pd.DataFrame([{"Ученик": p.name, "Класс": p.from_class, "Решение": LABELS[p.decision],
                                               "Новый класс": p.to_class} for p in plan.pupils]),
                        stem=f"Перевод учеников {plan.start_year}-{plan.start_year + 1}", sheet="Перевод",
                        key=f"{KEY}_dl")
    lines = [f"{'Уже создан' if plan.next_exists else 'Будет открыт'} {plan.next_start_year}/{plan.next_start_year + 1} "
             "учебный год.",
             f"Новые классы: {', '.join(plan.new_classes) or 'нет'}; строк учебного плана скопируется: "
             f"{plan.curriculum_items}; учебных периодов: {plan.periods}.",
             f"Классные руководители переходят со своим классом: {plan.class_teachers}.",
             *plan.carry.lines(), *(f"Не переносится: {x}." for x in plan.carry.skipped), *plan.notes]
    st.markdown("\n".join(f"- {web.md(line)}" for line in lines))
