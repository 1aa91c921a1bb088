"""«Пользователи»: activation of accounts (R-ACC-4), parents' engagement, sign-in through ЕСИА (R-ACC-2)."""
from __future__ import annotations

from checks.base import PERCENT, UP, Indicator

# who the account is, for the drill-down (the snapshot keeps no names of accounts: take them from
# the staff, pupil and guardian rows linked to it)
_WHO = {
    "teacher": ("s_teacher_acc", "(SELECT trim(last_name || ' ' || first_name || ' ' || middle_name) FROM staff "
                "WHERE user_id = x.user_id ORDER BY id LIMIT 1)", "NULL"),
    "student": ("s_student_acc", "(SELECT trim(last_name || ' ' || first_name) FROM student "
                "WHERE user_id = x.user_id ORDER BY id LIMIT 1)", "(SELECT class_name FROM s_class WHERE class_id = x.class_id)"),
    "parent": ("s_parent_acc", "(SELECT 'родитель: ' || string_agg(trim(st.last_name || ' ' || st.first_name), ', ') "
               "FROM guardian g JOIN studentguardian sg ON sg.guardian_id = g.id JOIN student st ON st.id = sg.student_id "
               "WHERE g.user_id = x.user_id AND sg.student_id IN (SELECT student_id FROM s_pupil))",
               "(SELECT class_name FROM s_class WHERE class_id = x.class_id)"),
}


def _activation(role: str, title: str, green: float, yellow: float) -> Indicator:
    table, who, klass = _WHO[role]
    class_col = "x.class_id" if role != "teacher" else "CAST(NULL AS INTEGER)"
    return Indicator(
        id=f"activation_{role}s", category="users", name=f"Активация: {title}", unit="%", kind=PERCENT, good=UP,
        green=green, yellow=yellow, school_level=(role == "teacher"),
        definition=(f"Учётные записи ({title}), с которых хотя бы раз входили, / созданные учётные записи. "
                    "Учителя — по роли «Учитель» в школе (в выбранных параллелях — по нагрузке), ученики и родители — "
                    "выбранных классов."),
        value_sql=f"""
            SELECT x.school_id, {class_col} AS class_id,
                   count(*) FILTER (WHERE a.activated_at IS NOT NULL AND a.activated_at <= p.now_at) AS num,
                   count(*) AS den
            FROM {table} x JOIN account a ON a.id = x.user_id, params p
            WHERE a.created_at <= p.now_at GROUP BY ALL""",
        drill_sql=f"""
            SELECT {who} AS "Пользователь", {klass} AS "Класс",
                   strftime(a.created_at, '%d.%m.%Y') AS "Создан"
            FROM {table} x JOIN account a ON a.id = x.user_id, params p
            WHERE a.created_at <= p.now_at AND (a.activated_at IS NULL OR a.activated_at > p.now_at)
            ORDER BY "Класс", "Пользователь" """,
        trend=False,
    )


ACTIVATION_TEACHERS = _activation("teacher", "учителя", 98, 90)
ACTIVATION_STUDENTS = _activation("student", "ученики", 90, 75)
ACTIVATION_PARENTS = _activation("parent", "родители", 90, 75)

_SIGNED_7 = """(
    (a.last_login_at > p.ref_end - INTERVAL 7 DAY AND a.last_login_at <= p.ref_end)
    OR EXISTS (SELECT 1 FROM usersession u WHERE u.user_id = a.id
               AND u.created_at > p.ref_end - INTERVAL 7 DAY AND u.created_at <= p.ref_end))"""

PARENT_ENGAGEMENT = Indicator(
    id="parent_engagement", category="users", name="Вовлеченность родителей", unit="%", kind=PERCENT, good=UP,
    green=60, yellow=40, source="sourced",
    definition=("Доля учётных записей родителей учеников выбранных классов, с которых входили в последние 7 дней "
                "перед концом выбранного периода."),
    value_sql=f"""
        SELECT x.school_id, x.class_id, count(*) FILTER (WHERE {_SIGNED_7}) AS num, count(*) AS den
        FROM s_parent_acc x JOIN account a ON a.id = x.user_id, params p
        WHERE a.created_at <= p.now_at GROUP BY ALL""",
    drill_sql=f"""
        SELECT {_WHO['parent'][1]} AS "Родитель",
               (SELECT class_name FROM s_class WHERE class_id = x.class_id) AS "Класс",
               coalesce(strftime(a.last_login_at, '%d.%m.%Y'), 'не входил') AS "Последний вход"
        FROM s_parent_acc x JOIN account a ON a.id = x.user_id, params p
        WHERE a.created_at <= p.now_at AND NOT {_SIGNED_7}
        ORDER BY "Класс", "Родитель" """,
)

ESIA_TEACHERS = Indicator(
    id="esia_teachers", category="users", name="Авторизация через ЕСИА", unit="%", kind=PERCENT, good=UP,
    green=50, yellow=25, school_level=True, source="sourced",
    definition="Доля учителей, чья учётная запись привязана к ЕСИА (OpenID Connect) и хотя бы раз входила через неё.",
    value_sql="""
        SELECT x.school_id, CAST(NULL AS INTEGER) AS class_id,
               count(*) FILTER (WHERE a.oidc_linked AND a.oidc_last_used_at IS NOT NULL
                                AND a.oidc_last_used_at <= p.now_at) AS num,
               count(*) AS den
        FROM s_teacher_acc x JOIN account a ON a.id = x.user_id, params p
        WHERE a.created_at <= p.now_at GROUP BY ALL""",
    drill_sql=f"""
        SELECT {_WHO['teacher'][1]} AS "Учитель",
               CASE WHEN a.oidc_linked THEN 'привязана, не использовалась' ELSE 'не привязана' END AS "ЕСИА"
        FROM s_teacher_acc x JOIN account a ON a.id = x.user_id, params p
        WHERE a.created_at <= p.now_at
          AND NOT (a.oidc_linked AND a.oidc_last_used_at IS NOT NULL AND a.oidc_last_used_at <= p.now_at)
        ORDER BY "Учитель" """,
    trend=False,
)

INDICATORS = (ACTIVATION_TEACHERS, ACTIVATION_STUDENTS, ACTIVATION_PARENTS, PARENT_ENGAGEMENT, ESIA_TEACHERS)
