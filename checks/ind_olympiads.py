"""«Олимпиады»: coverage of the stages of ВсОШ and other programmes, final stage, venues.

Results count when they were held within the chosen dates (a result without a date: in the school
years of the dates); a participant counts once per indicator, and only among the pupils eligible for
it (the grades of the definition)."""
from __future__ import annotations

from checks.base import COUNT, PERCENT, UP, Indicator
from checks.ind_operational import PUPIL

OLYMPIADS = {"vsosh": "ВсОШ", "podmoskovnaya": "Подмосковная олимпиада школьников",
             "vzlet_programme": "Программа центра «Взлёт»", "vzlet_online": "Онлайн-курс центра «Взлёт»"}
STAGES = {"school": "школьный", "municipal": "муниципальный", "regional": "региональный", "final": "заключительный"}
STATUSES = {"participant": "участник", "prize": "призёр", "winner": "победитель"}


def _results(olympiad: str, stage: str | None) -> str:
    stage_cond = f" AND r.stage = '{stage}'" if stage else ""
    return f"""
        SELECT r.student_id, r.subject_name, r.status, r.stage, r.held_on
        FROM olympiadresult r, params p
        WHERE r.school_id IN (SELECT school_id FROM s_school) AND r.year_id IN (SELECT year_id FROM s_years)
          AND (r.held_on IS NULL OR r.held_on BETWEEN p.d1 AND p.d2)
          AND r.olympiad = '{olympiad}'{stage_cond}"""


def _coverage(id_: str, name: str, olympiad: str, stage: str | None, lo: int, hi: int, green: float,
              yellow: float, what: str) -> Indicator:
    res = _results(olympiad, stage)
    return Indicator(
        id=id_, category="olympiads", name=name, unit="%", kind=PERCENT, good=UP, green=green, yellow=yellow,
        definition=(f"{what} / ученики {lo}–{hi} классов, в процентах; каждый ученик считается один раз. "
                    "Учитываются результаты этапов, проведённых в выбранные даты (результат без даты — "
                    "в учебные годы выбранных дат)."),
        value_sql=f"""
            WITH res AS ({res})
            SELECT p.school_id, p.class_id, count(DISTINCT r.student_id) AS num, count(DISTINCT p.student_id) AS den
            FROM s_pupil p LEFT JOIN res r ON r.student_id = p.student_id
            WHERE p.grade BETWEEN {lo} AND {hi} GROUP BY ALL""",
        drill_sql=f"""
            WITH res AS ({res})
            SELECT {PUPIL} AS "Ученик", p.class_name AS "Класс", r.subject_name AS "Предмет",
                   CASE r.status WHEN 'winner' THEN 'победитель' WHEN 'prize' THEN 'призёр' ELSE 'участник' END
                       AS "Статус",
                   strftime(r.held_on, '%d.%m.%Y') AS "Дата"
            FROM res r JOIN s_pupil p ON p.student_id = r.student_id JOIN student st ON st.id = r.student_id
            WHERE p.grade BETWEEN {lo} AND {hi}
            ORDER BY "Класс", "Ученик", "Предмет" """,
        trend=False,
    )


OLYMP_SCHOOL = _coverage("olymp_school_stage", "Охват школьным этапом ВсОШ 4–11 кл", "vsosh", "school", 4, 11,
                         40, 25, "Участники школьного этапа ВсОШ")
OLYMP_MUNICIPAL = _coverage("olymp_municipal_stage", "Охват муниципальным этапом ВсОШ 7–11 кл", "vsosh",
                            "municipal", 7, 11, 10, 5, "Участники муниципального этапа ВсОШ")
OLYMP_REGIONAL = _coverage("olymp_regional_stage", "Охват региональным этапом ВсОШ", "vsosh", "regional", 9, 11,
                           3, 1, "Участники регионального этапа ВсОШ")

_FINAL = _results("vsosh", "final")
OLYMP_FINAL = Indicator(
    id="olymp_final_stage", category="olympiads", name="Заключительный этап ВсОШ", unit="чел.", kind=COUNT, good=UP,
    green=1, yellow=0,
    definition="Число учеников — участников заключительного этапа ВсОШ (рядом — сколько из них призёры и победители).",
    value_sql=f"""
        WITH res AS ({_FINAL})
        SELECT p.school_id, p.class_id, count(DISTINCT r.student_id) AS num, NULL AS den
        FROM res r JOIN s_pupil p ON p.student_id = r.student_id GROUP BY ALL""",
    extra_sql=f"""
        WITH res AS ({_FINAL})
        SELECT count(DISTINCT r.student_id) AS "Участники",
               count(DISTINCT r.student_id) FILTER (WHERE r.status IN ('prize', 'winner')) AS "Призёры и победители"
        FROM res r JOIN s_pupil p ON p.student_id = r.student_id""",
    drill_sql=f"""
        WITH res AS ({_FINAL})
        SELECT {PUPIL} AS "Ученик", p.class_name AS "Класс", r.subject_name AS "Предмет",
               CASE r.status WHEN 'winner' THEN 'победитель' WHEN 'prize' THEN 'призёр' ELSE 'участник' END AS "Статус"
        FROM res r JOIN s_pupil p ON p.student_id = r.student_id JOIN student st ON st.id = r.student_id
        ORDER BY "Класс", "Ученик" """,
    trend=False,
)

OLYMP_PODMOSKOVNAYA = _coverage("olymp_podmoskovnaya", "Подмосковная олимпиада школьников", "podmoskovnaya", None,
                                5, 11, 10, 5, "Участники Подмосковной олимпиады школьников")
VZLET_PROGRAMMES = _coverage("vzlet_programmes", "Участие в программах центра «Взлёт»", "vzlet_programme", None,
                             5, 11, 5, 2, "Ученики в программах центра «Взлёт»")
VZLET_ONLINE = _coverage("vzlet_online", "Подключение к онлайн-курсам «Взлёт»", "vzlet_online", None, 5, 11, 10, 5,
                         "Ученики, подключённые к онлайн-курсам «Взлёт»")

OLYMP_VENUES = Indicator(
    id="olymp_venues", category="olympiads", name="Площадки проведения олимпиад", unit="шт.", kind=COUNT, good=UP,
    green=1, yellow=0, school_level=True,
    definition=("Число олимпиад (этапов), для которых школа была площадкой проведения в выбранные даты (этап без "
                "даты — в учебные годы выбранных дат)."),
    value_sql="""
        SELECT v.school_id, CAST(NULL AS INTEGER) AS class_id, count(*) AS num, NULL AS den
        FROM olympiadvenue v, params p
        WHERE v.school_id IN (SELECT school_id FROM s_school) AND v.year_id IN (SELECT year_id FROM s_years)
          AND (v.held_on IS NULL OR v.held_on BETWEEN p.d1 AND p.d2)
        GROUP BY ALL""",
    drill_sql="""
        SELECT s.short_name AS "Школа",
               CASE v.olympiad WHEN 'vsosh' THEN 'ВсОШ' WHEN 'podmoskovnaya' THEN 'Подмосковная' ELSE v.olympiad END
                   AS "Олимпиада",
               CASE v.stage WHEN 'school' THEN 'школьный' WHEN 'municipal' THEN 'муниципальный'
                            WHEN 'regional' THEN 'региональный' WHEN 'final' THEN 'заключительный' ELSE v.stage END
                   AS "Этап",
               strftime(v.held_on, '%d.%m.%Y') AS "Дата"
        FROM olympiadvenue v JOIN s_school s ON s.school_id = v.school_id, params p
        WHERE v.year_id IN (SELECT year_id FROM s_years) AND (v.held_on IS NULL OR v.held_on BETWEEN p.d1 AND p.d2)
        ORDER BY v.held_on""",
    trend=False,
)

INDICATORS = (OLYMP_SCHOOL, OLYMP_MUNICIPAL, OLYMP_REGIONAL, OLYMP_FINAL, OLYMP_PODMOSKOVNAYA, VZLET_PROGRAMMES,
              VZLET_ONLINE, OLYMP_VENUES)
