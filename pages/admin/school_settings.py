"""«Настройки школы»: the time zone, the study periods, the mark edit window of 1.13 with an
example of until when a mark stays editable, and the deadlines — each with its help text.
The administrator edits; the director and deputies see them."""
from datetime import datetime
from zoneinfo import ZoneInfo

import streamlit as st

from services.core import clock, policy, school_settings
from services.core.policy import AccessDenied, Target
from services.core.school_settings import SETTINGS, SettingsError
from services.rules import edit_window
from ui import web

actor, school_id = web.page_start("settings.view")
KEY = f"settings_{school_id}"
INFO = {s.name: s for s in SETTINGS}
NUMBER_LIMITS = school_settings.NUMBER_LIMITS

# Russian time zones, west to east, with the city the zone is named after.
ZONES = {
    "Europe/Kaliningrad": "Калининград", "Europe/Moscow": "Москва", "Europe/Simferopol": "Симферополь",
    "Europe/Kirov": "Киров", "Europe/Volgograd": "Волгоград", "Europe/Samara": "Самара",
    "Europe/Astrakhan": "Астрахань", "Europe/Saratov": "Саратов", "Europe/Ulyanovsk": "Ульяновск",
    "Asia/Yekaterinburg": "Екатеринбург", "Asia/Omsk": "Омск", "Asia/Novosibirsk": "Новосибирск",
    "Asia/Barnaul": "Барнаул", "Asia/Tomsk": "Томск", "Asia/Novokuznetsk": "Новокузнецк",
    "Asia/Krasnoyarsk": "Красноярск", "Asia/Irkutsk": "Иркутск", "Asia/Chita": "Чита",
    "Asia/Yakutsk": "Якутск", "Asia/Vladivostok": "Владивосток", "Asia/Magadan": "Магадан",
    "Asia/Sakhalin": "Южно-Сахалинск", "Asia/Srednekolymsk": "Среднеколымск",
    "Asia/Kamchatka": "Петропавловск-Камчатский", "Asia/Anadyr": "Анадырь",
}


def zone_label(name: str) -> str:
    now = datetime.now(ZoneInfo("UTC"))
    hours = round((now.astimezone(ZoneInfo(name)).utcoffset() - now.astimezone(clock.MOSCOW).utcoffset())
                  .total_seconds() / 3600)
    msk = "МСК" if hours == 0 else f"МСК{hours:+d}".replace("-", "−")
    return f"{ZONES.get(name, name)} ({msk})"


def choice(name: str, options: list, current, format_func, disabled: bool):
    info = INFO[name]
    index = options.index(current) if current in options else 0
    return st.selectbox(info.title, options, index=index, format_func=format_func, key=f"{KEY}_{name}",
                        help=info.help, disabled=disabled)


def number(name: str, current: int, disabled: bool) -> int:
    info = INFO[name]
    low, high = NUMBER_LIMITS.get(name, (0, 60))
    return int(st.number_input(info.title, min_value=low, max_value=high, value=int(current), step=1,
                               key=f"{KEY}_{name}", help=info.help, disabled=disabled))


st.title("Настройки школы")
can_edit = policy.allowed(actor, "settings.edit", Target(school_id=school_id))
if not can_edit:
    st.caption("Настройки меняет администратор школы.")
current = school_settings.load(school_id)
values: dict[str, object] = {}

st.subheader(INFO["edit_window"].title)
st.caption(INFO["edit_window"].help)
left, right = st.columns([3, 2])
with left:
    windows = list(INFO["edit_window"].choices)
    values["edit_window"] = st.radio(
        INFO["edit_window"].title, windows, index=windows.index(current.edit_window) if current.edit_window in windows else 0,
        format_func=INFO["edit_window"].choices.get, key=f"{KEY}_edit_window", disabled=not can_edit,
        label_visibility="collapsed")

st.subheader("Время и периоды")
c1, c2 = st.columns(2)
with c1:
    zones = list(ZONES) + ([current.timezone] if current.timezone not in ZONES else [])
    values["timezone"] = choice("timezone", zones, current.timezone, zone_label, not can_edit)
    st.caption(INFO["timezone"].help)
with c2:
    periods = list(INFO["period_type"].choices)
    values["period_type"] = choice("period_type", periods, current.period_type, INFO["period_type"].choices.get,
                                   not can_edit)
    st.caption(INFO["period_type"].help)

with right:  # the example follows the chosen window and time zone, before saving
    tz = ZoneInfo(str(values["timezone"]))
    today = clock.today(str(values["timezone"]))
    lesson = st.date_input("Пример: дата урока", value=today, format="DD.MM.YYYY", key=f"{KEY}_example")
    until = edit_window.edit_window_end(lesson, str(values["edit_window"]), tz)
    is_open = clock.now() <= until
    st.info(f"Отметку за урок {lesson:%d.%m.%Y} можно изменить до **{until:%d.%m.%Y %H:%M}** "
            f"({'сейчас ещё можно' if is_open else 'сейчас уже нельзя'}).")

st.subheader("Сроки")
names = [s.name for s in SETTINGS if s.name not in ("timezone", "period_type", "edit_window")]
columns = st.columns(2)
for i, name in enumerate(names):
    with columns[i % 2]:
        values[name] = number(name, getattr(current, name), not can_edit)
        st.caption(INFO[name].help)

if can_edit and st.button("Сохранить", type="primary", key=f"{KEY}_save", icon=":material/save:"):
    try:
        changed = school_settings.update(actor, school_id, values)
    except (SettingsError, AccessDenied) as e:
        st.error(str(e))
    else:
        if changed:
            titles = []
            for name, value in changed.items():
                info = INFO[name]
                shown = info.choices.get(value, value) if info.choices else (
                    zone_label(value) if name == "timezone" else value)
                titles.append(f"{info.title} — {shown}")
            st.success("Сохранено: " + "; ".join(titles) + ".")
        else:
            st.info("Изменений нет.")
