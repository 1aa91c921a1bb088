"""«Качество образования»: quality, СОУ, averages, grade-5 adaptation, similarity of groups."""
from __future__ import annotations

from checks.base import DOWN, RATIO, PERCENT, UP, Indicator, Param
from checks.ind_operational import COUNTED, PER_MARK, PUPIL, PUPIL_STANDING
from services.rules.averages import sql_round, sql_round_mark, sql_show

_UNIT_DRILL = f"""
    SELECT {PUPIL} AS "Ученик", c.class_name AS "Класс", sj.name AS "Предмет", u.period_name AS "Период",
           u.final AS "Отметка", CASE WHEN u.pm_value IS NULL THEN 'текущий средний' ELSE 'за период' END AS "Источник"
    FROM s_unit u JOIN s_class c ON c.class_id = u.class_id
    JOIN student st ON st.id = u.student_id JOIN subject sj ON sj.id = u.subject_id
    WHERE u.final IN {{values}}
    ORDER BY "Класс", "Ученик", "Предмет", u.period_number"""

KNOWLEDGE_QUALITY = Indicator(
    id="knowledge_quality", category="quality", name="Качество знаний", unit="%", kind=PERCENT, good=UP,
    green=50, yellow=35, source="sourced",
    definition=("(n5 + n4) / N · 100 по ученикам за учебные периоды выбранных дат, как в отчёте об аттестации: "
                "ученики, у которых все отметки «4» и «5» (отметка за период, а пока её нет — округлённый "
                "средневзвешенный балл); N — как в успеваемости. Рядом — доля отметок «4» и «5» "
                "(по парам «ученик — предмет»)."),
    value_sql=PUPIL_STANDING + """
        SELECT school_id, class_id, count(*) FILTER (WHERE bad = 0 AND threes = 0 AND good > 0) AS num,
               count(*) AS den
        FROM pupils GROUP BY ALL""",
    extra_sql=PER_MARK,
    drill_sql=_UNIT_DRILL.format(values="('1', '2', '3', 'н/а')"),
    trend=False,
)

LEARNING_DEGREE = Indicator(
    id="learning_degree", category="quality", name="Степень обученности (СОУ)", unit="%", kind=RATIO, good=UP,
    green=55, yellow=45, source="sourced",
    definition=("(100·n5 + 64·n4 + 36·n3 + 16·n2 + 7·n_на) / N, в процентах, по тем же парам «ученик — предмет», "
                "что и качество знаний."),
    value_sql=f"""
        SELECT school_id, class_id,
               sum(CASE final WHEN '5' THEN 100 WHEN '4' THEN 64 WHEN '3' THEN 36 WHEN '2' THEN 16
                              WHEN 'н/а' THEN 7 ELSE 0 END) AS num,
               count(*) AS den
        FROM s_unit WHERE final IN {COUNTED} GROUP BY ALL""",
    drill_sql=f"""
        SELECT c.class_name AS "Класс", sj.name AS "Предмет", count(*) AS "N",
               count(*) FILTER (WHERE final = '5') AS "5", count(*) FILTER (WHERE final = '4') AS "4",
               count(*) FILTER (WHERE final = '3') AS "3", count(*) FILTER (WHERE final = '2') AS "2",
               count(*) FILTER (WHERE final = 'н/а') AS "н/а",
               {sql_round("sum(CASE final WHEN '5' THEN 100 WHEN '4' THEN 64 WHEN '3' THEN 36 WHEN '2' THEN 16 "
                          "WHEN 'н/а' THEN 7 ELSE 0 END) / count(*)", 1)} AS "СОУ, %"
        FROM s_unit u JOIN s_class c ON c.class_id = u.class_id JOIN subject sj ON sj.id = u.subject_id
        WHERE final IN {COUNTED}
        GROUP BY ALL ORDER BY "СОУ, %", "Класс", "Предмет" """,
    trend=False,
)

AVERAGE_MARK = Indicator(
    id="average_mark", category="quality", name="Средний балл", unit="балл", kind=RATIO, good=UP,
    green=4.0, yellow=3.6, source="sourced",
    definition=("Σ отметок / число отметок по пятибалльной шкале за выбранные даты. «осв», «зач», «незач», «н/а» "
                "не числа и в средний не входят; двойная отметка «5/4» — две отметки."),
    value_sql="""
        SELECT school_id, class_id, sum(numeric) AS num, count(numeric) AS den
        FROM s_mark WHERE numeric IS NOT NULL GROUP BY ALL""",
    drill_sql=f"""
        SELECT {PUPIL} AS "Ученик", c.class_name AS "Класс", count(*) AS "Отметок",
               {sql_round('avg(m.numeric)')} AS "Средний балл"
        FROM s_mark m JOIN s_class c ON c.class_id = m.class_id JOIN student st ON st.id = m.student_id
        WHERE m.numeric IS NOT NULL
        GROUP BY ALL ORDER BY "Средний балл", "Класс", "Ученик" """,
)

WEIGHTED_AVERAGE = Indicator(
    id="weighted_average", category="quality", name="Средневзвешенный балл", unit="балл", kind=RATIO, good=UP,
    green=4.0, yellow=3.6, source="sourced",
    definition="Σ вес · отметка / Σ вес; вес — из вида работы (например, контрольная — 2). Только числовые отметки.",
    value_sql="""
        SELECT school_id, class_id, sum(weight * numeric) AS num, sum(weight) AS den
        FROM s_mark WHERE numeric IS NOT NULL AND weight > 0 GROUP BY ALL""",
    drill_sql=f"""
        SELECT {PUPIL} AS "Ученик", c.class_name AS "Класс", sj.name AS "Предмет", count(*) AS "Отметок",
               {sql_round('sum(m.weight * m.numeric) / sum(m.weight)')} AS "Средневзвешенный"
        FROM s_mark m JOIN s_class c ON c.class_id = m.class_id JOIN student st ON st.id = m.student_id
        JOIN subject sj ON sj.id = m.subject_id
        WHERE m.numeric IS NOT NULL AND m.weight > 0
        GROUP BY ALL ORDER BY "Средневзвешенный", "Класс", "Ученик", "Предмет" """,
)

_ADAPT = """
    WITH p5 AS (SELECT p.* FROM s_pupil p WHERE p.grade = 5),
    cls AS (SELECT class_id, year_id, start_year, school_id FROM s_class WHERE grade = 5),
    first AS (
        SELECT sp.id AS period_id, sp.year_id, sp.starts_on, least(sp.ends_on, p.ref_date) AS w_end
        FROM studyperiod sp, params p
        WHERE sp.number = 1 AND sp.year_id IN (SELECT year_id FROM cls) AND sp.starts_on <= p.ref_date),
    prev AS (
        SELECT pm.student_id, pm.subject_id, pm.numeric AS before
        FROM periodmark pm JOIN academicyear py ON py.id = pm.year_id
        JOIN p5 ON p5.student_id = pm.student_id JOIN cls ON cls.class_id = p5.class_id
        WHERE pm.kind = 'annual' AND pm.numeric IS NOT NULL AND py.school_id = cls.school_id
          AND py.start_year = cls.start_year - 1),
    fm AS (
        SELECT m.student_id, m.subject_id, floor(sum(m.weight * m.numeric) / sum(m.weight) + 0.5) AS wround
        FROM s_mark_all m JOIN p5 ON p5.student_id = m.student_id JOIN cls ON cls.class_id = p5.class_id
        JOIN first f ON f.year_id = cls.year_id
        WHERE m.numeric IS NOT NULL AND m.weight > 0 AND m.lesson_date BETWEEN f.starts_on AND f.w_end
        GROUP BY ALL),
    fp AS (
        SELECT pm.student_id, pm.subject_id, pm.numeric FROM periodmark pm JOIN first f ON f.period_id = pm.period_id
        WHERE pm.kind = 'period' AND pm.numeric IS NOT NULL),
    pair AS (
        SELECT prev.student_id, prev.subject_id, prev.before, coalesce(fp.numeric, fm.wround) AS after
        FROM prev LEFT JOIN fp ON fp.student_id = prev.student_id AND fp.subject_id = prev.subject_id
        LEFT JOIN fm ON fm.student_id = prev.student_id AND fm.subject_id = prev.subject_id
        WHERE coalesce(fp.numeric, fm.wround) IS NOT NULL),
    per_pupil AS (
        SELECT student_id, count(*) AS subjects, count(*) FILTER (WHERE after = before) AS confirmed,
               count(*) FILTER (WHERE after < before) AS lower, count(*) FILTER (WHERE after > before) AS higher
        FROM pair GROUP BY student_id)"""


def _sou(col: str) -> str:
    return sql_round(f"sum(CASE {col} WHEN 5 THEN 100 WHEN 4 THEN 64 WHEN 3 THEN 36 WHEN 2 THEN 16 ELSE 0 END)"
                     " / count(*)", 1)


GRADE5_ADAPTATION = Indicator(
    id="grade5_adaptation", category="quality", name="Адаптация учеников 5 классов", unit="%", kind=PERCENT,
    good=UP, green=80, yellow=60,
    definition=(
        "Для каждого ученика 5 класса отметки первого учебного периода (за период, а пока их нет — округлённый "
        "средневзвешенный) сравниваются с годовыми отметками 4 класса по тем же предметам. Показатель — доля "
        "учеников, у которых ни одна отметка не снизилась (подтвердили или повысили). Рядом — доли подтверждённых, "
        "сниженных и повышенных отметок и изменение качества знаний и СОУ."),
    value_sql=_ADAPT + """
        SELECT p5.school_id, p5.class_id, count(*) FILTER (WHERE lower = 0) AS num, count(*) AS den
        FROM per_pupil JOIN p5 ON p5.student_id = per_pupil.student_id GROUP BY ALL""",
    extra_sql=_ADAPT + f"""
        SELECT count(*) AS "Пар «ученик — предмет»",
               {sql_round('100.0 * count(*) FILTER (WHERE after = before) / count(*)', 1)} AS "Подтвердили, %",
               {sql_round('100.0 * count(*) FILTER (WHERE after < before) / count(*)', 1)} AS "Понизили, %",
               {sql_round('100.0 * count(*) FILTER (WHERE after > before) / count(*)', 1)} AS "Повысили, %",
               {sql_round('100.0 * count(*) FILTER (WHERE before >= 4) / count(*)', 1)} AS "Качество в 4 классе, %",
               {sql_round('100.0 * count(*) FILTER (WHERE after >= 4) / count(*)', 1)} AS "Качество в 5 классе, %",
               {_sou('before')} AS "СОУ в 4 классе, %", {_sou('after')} AS "СОУ в 5 классе, %"
        FROM pair""",
    drill_sql=_ADAPT + f"""
        SELECT {PUPIL} AS "Ученик", p5.class_name AS "Класс", pp.subjects AS "Предметов",
               pp.confirmed AS "Подтвердил", pp.lower AS "Понизил", pp.higher AS "Повысил"
        FROM per_pupil pp JOIN p5 ON p5.student_id = pp.student_id JOIN student st ON st.id = pp.student_id
        ORDER BY pp.lower DESC, "Класс", "Ученик" """,
    trend=False,
)

_GROUPS = f"""
    WITH marks AS (
        SELECT school_id, class_id, subject_id, subgroup_id, student_id, numeric, weight
        FROM s_mark WHERE subgroup_id IS NOT NULL AND numeric IS NOT NULL),
    g AS (
        SELECT school_id, class_id, subject_id, subgroup_id, avg(numeric) AS avg_mark FROM marks GROUP BY ALL),
    pq AS (
        SELECT m.class_id, m.subject_id, m.subgroup_id, m.student_id,
               {sql_round_mark('sum(m.weight * m.numeric) / sum(m.weight)', 'any_value(ss.round_from)')} AS r
        FROM marks m JOIN s_school ss ON ss.school_id = m.school_id WHERE m.weight > 0
        GROUP BY m.class_id, m.subject_id, m.subgroup_id, m.student_id),
    q AS (
        SELECT class_id, subject_id, subgroup_id, 100.0 * count(*) FILTER (WHERE r >= 4) / count(*) AS quality
        FROM pq GROUP BY ALL),
    units AS (
        SELECT g.school_id, g.class_id, g.subject_id, count(*) AS groups,
               max(g.avg_mark) - min(g.avg_mark) AS d_avg, max(q.quality) - min(q.quality) AS d_quality,
               string_agg(sg.name || ': ' || {sql_show('g.avg_mark')} || ' / '
                          || printf('%.0f', q.quality) || ' %', '; ' ORDER BY sg.name) AS detail
        FROM g JOIN q ON q.class_id = g.class_id AND q.subject_id = g.subject_id AND q.subgroup_id = g.subgroup_id
        JOIN subgroup sg ON sg.id = g.subgroup_id
        GROUP BY ALL HAVING count(*) >= 2)"""

GROUP_SIMILARITY = Indicator(
    id="group_similarity", category="quality", name="Сходство оценок в группах", unit="%", kind=PERCENT, good=UP,
    green=90, yellow=70,
    params=(Param("sim_avg", "Разница средних, балла", 0.5, "Больше — группы расходятся"),
            Param("sim_quality", "Разница качества, п.п.", 20, "Больше — группы расходятся")),
    definition=(
        "Для предметов, которые ведутся в подгруппах: разница средних баллов групп и их качества знаний "
        "(доля учеников с округлённым средневзвешенным 4 и 5). Показатель — доля таких предметов класса, где "
        "разница не больше 0,5 балла и не больше 20 процентных пунктов качества."),
    value_sql=_GROUPS + """
        SELECT u.school_id, u.class_id,
               count(*) FILTER (WHERE u.d_avg <= s.sim_avg AND u.d_quality <= s.sim_quality) AS num, count(*) AS den
        FROM units u JOIN s_school s ON s.school_id = u.school_id GROUP BY ALL""",
    drill_sql=_GROUPS + f"""
        SELECT c.class_name AS "Класс", sj.name AS "Предмет", u.groups AS "Групп",
               {sql_round('u.d_avg')} AS "Разница средних", {sql_round('u.d_quality', 1)} AS "Разница качества, п.п.",
               u.detail AS "Группы (средний / качество)",
               CASE WHEN u.d_avg <= s.sim_avg AND u.d_quality <= s.sim_quality THEN 'в пределах' ELSE 'расхождение'
               END AS "Оценка"
        FROM units u JOIN s_school s ON s.school_id = u.school_id JOIN s_class c ON c.class_id = u.class_id
        JOIN subject sj ON sj.id = u.subject_id
        ORDER BY "Оценка" DESC, "Класс", "Предмет" """,
    trend=False,
)

# Results of ВПР, ОГЭ (a mark 2–5) against the year mark (services/rules/exams.py: the annual mark of that
# school year, else the mark of the latest study period ended on or before the work's date); ЕГЭ has no mark.
_EXAMS = """
    WITH res AS (
        SELECT r.id, r.school_id, r.year_id, r.class_id, r.student_id, r.subject_id, r.kind, r.held_on, r.mark
        FROM examresult r, params p
        WHERE r.school_id IN (SELECT school_id FROM s_school) AND r.year_id IN (SELECT year_id FROM s_years)
          AND r.class_id IN (SELECT class_id FROM s_class) AND r.held_on BETWEEN p.d1 AND p.d2
          AND r.mark IS NOT NULL),
    ann AS (
        SELECT pm.school_id, pm.year_id, pm.student_id, pm.subject_id, max(pm.numeric) AS v
        FROM periodmark pm WHERE pm.kind = 'annual' AND pm.numeric IS NOT NULL
          AND pm.school_id IN (SELECT school_id FROM s_school) GROUP BY ALL),
    per AS (
        SELECT res.id, arg_max(pm.numeric, sp.ends_on) AS v
        FROM res JOIN periodmark pm ON pm.school_id = res.school_id AND pm.year_id = res.year_id
             AND pm.student_id = res.student_id AND pm.subject_id = res.subject_id
             AND pm.kind = 'period' AND pm.numeric IS NOT NULL
        JOIN studyperiod sp ON sp.id = pm.period_id AND sp.ends_on <= res.held_on
        GROUP BY res.id),
    cmp AS (
        SELECT res.*, coalesce(ann.v, per.v) AS year_mark, res.mark - coalesce(ann.v, per.v) AS diff
        FROM res LEFT JOIN ann ON ann.school_id = res.school_id AND ann.year_id = res.year_id
             AND ann.student_id = res.student_id AND ann.subject_id = res.subject_id
        LEFT JOIN per ON per.id = res.id)"""

EXAM_OBJECTIVITY = Indicator(
    id="exam_objectivity", category="quality", name="Объективность отметок (ВПР, ОГЭ)", unit="%", kind=PERCENT,
    good=DOWN, green=20, yellow=35,
    definition=(
        "Результаты ВПР и ОГЭ (отметка 2–5), проведённых в выбранные даты, сравниваются с годовой отметкой ученика по "
        "тому же предмету (пока годовой нет — с отметкой за последний учебный период, закончившийся до даты работы). "
        "Показатель — доля результатов, отметка которых отличается от годовой на 1 и больше, среди сравнённых. Рядом — "
        "средняя разница «отметка работы − годовая» (отрицательная: работа написана ниже годовых отметок); по классам "
        "и предметам — в подробностях. ЕГЭ без отметки и результаты без годовой отметки не сравниваются."),
    value_sql=_EXAMS + """
        SELECT school_id, class_id, count(*) FILTER (WHERE abs(diff) >= 1) AS num, count(*) AS den
        FROM cmp WHERE diff IS NOT NULL GROUP BY ALL""",
    extra_sql=_EXAMS + f"""
        SELECT count(*) AS "Результатов с отметкой", count(diff) AS "Сравнено с годовой",
               count(*) FILTER (WHERE diff < 0) AS "Ниже годовой", count(*) FILTER (WHERE diff > 0) AS "Выше годовой",
               {sql_round('avg(diff)')} AS "Средняя разница (работа − год)"
        FROM cmp""",
    drill_sql=_EXAMS + f"""
        SELECT c.class_name AS "Класс", CASE cmp.kind WHEN 'vpr' THEN 'ВПР' WHEN 'oge' THEN 'ОГЭ' ELSE 'ЕГЭ' END
                   AS "Работа", sj.name AS "Предмет", count(*) AS "Результатов", count(cmp.diff) AS "Сравнено",
               count(*) FILTER (WHERE abs(cmp.diff) >= 1) AS "Отличаются на 1 и более",
               {sql_round('100.0 * count(*) FILTER (WHERE abs(cmp.diff) >= 1) / nullif(count(cmp.diff), 0)', 1)}
                   AS "Доля, %",
               {sql_round('avg(cmp.diff)')} AS "Средняя разница"
        FROM cmp JOIN s_class c ON c.class_id = cmp.class_id JOIN subject sj ON sj.id = cmp.subject_id
        GROUP BY ALL ORDER BY "Класс", "Работа", "Предмет" """,
    trend=False,
)

INDICATORS = (KNOWLEDGE_QUALITY, LEARNING_DEGREE, AVERAGE_MARK, WEIGHTED_AVERAGE, GRADE5_ADAPTATION,
              GROUP_SIMILARITY, EXAM_OBJECTIVITY)
