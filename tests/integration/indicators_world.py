"""A small hand-built municipality for the indicators: every value is computed by hand in
tests/integration/test_indicators_values.py.

«Тестовый округ»: school A (classes 1А, 5А, 9А; the detailed one) and school B (class 7Б).
The clock stands at NOW = Thursday 20 November 2025, 12:00 Moscow time; the school year 2025
(2025/2026): 1 четверть 1 Sep – 24 Oct (ended), 2 четверть 5 Nov – 28 Dec (running).

School A pupils: 5А — P1 Алексеев, P2 Борисова, P3 Васильев (left after 10 Nov), P4 Григорьева
(arrived 6 Nov); 9А — P5 Дмитриев, P6 Егорова; 1А — P7 Жуков, P8 Зайцева.
English in 5А is split: group 1 = P1, P3 (until 10 Nov); group 2 = P2, P4 (from 6 Nov).
Teachers: math (5А, 9А, 1А), rus (5А, also 5А's class teacher), eng1 (5А group 1), eng2 (5А group 2).

Lessons of school A (number: start–end): 1: 08:30–09:15, 2: 09:25–10:10, 3: 10:20–11:05, 5: 12:10–12:55
  L1  5А math  Mon 06 Oct #1  held, topic → КТП T3, hw 20 min on time; P1 Н; marks P1 5, P2 4
  L2  5А math  Wed 08 Oct #1  held, test work (weight 2): P1 4, P2 4; no hw; attendance taken late
  L3  5А rus   Tue 07 Oct #2  held, topic entered late (22:00), hw late (14:00, 30 min); P1 4
  L4  9А math  Tue 07 Oct #1  held, hw on time (30 min); P5 2, P6 3
  L5  9А math  Thu 09 Oct #1  held, NO topic, no hw; P5 2, P6 4
  L6  9А math  Tue 14 Oct #1  held, no hw, attendance NOT taken; P5 2 entered late (15 Oct 09:00)
  L7  5А math  Wed 05 Nov #1  cancelled
  L8  5А math  Mon 10 Nov #1  held, topic → T4, hw 30 on time; P3 Н; P1 5, P2 3, P3 2
  L9  5А math  Wed 12 Nov #1  held, topic «Fractions» (no Cyrillic) → T5, hw 30 on time; P2 Б;
                               P1 4, P2 2 (20:59), P4 2 (21:30: late)
  L10 5А math  Mon 17 Nov #1  held, test work: P1 5, P2 2, P4 3 (entered 20 Nov 10:00, on time); P2 Б; no hw
  L11 5А math  Wed 19 Nov #1  held, substituted by rus (same subject); hw late (13:00, 40 min);
                               P1 «5/4» (two marks), P2 2 — all entered 22:00 (late)
  L12 5А rus   Tue 11 Nov #2  held, hw 130 min on time; P4 О (late); P1 4, P2 5, P4 н/а
  L13 5А rus   Tue 18 Nov #2  held, hw «Exercise 12 page 5» (no Cyrillic) 50 min on time; P2 У; P1 3
  L14 5А eng g1 Thu 13 Nov #3 held, hw «Ex. 3 p. 45» 20 min on time; P1 5
  L15 5А eng g2 Thu 13 Nov #3 held, hw 30 min on time; P2 3, P4 3
  L16 5А eng g1 Fri 14 Nov #3 held, NO topic, no hw; P1 5
  L17 5А eng g2 Fri 14 Nov #3 held, no hw, attendance NOT taken; P2 2, P4 3
  L18 9А math  Tue 11 Nov #1  held, topic → U1, hw 45 on time; P5 Н; P5 3, P6 5
  L19 9А math  Tue 18 Nov #1  held, substituted by eng1 (other subject), NO topic, no hw; P5 Н; P5 2, P6 осв
  L20 1А math  Mon 10 Nov #2  held, topic, hw 15 min (grade 1!), NO attendance, no marks
  L21 1А math  Mon 17 Nov #2  missed (no substitute found)
  L22 5А math  Mon 24 Nov #1  in the future
  L23 5А rus   Thu 20 Nov #5  today, not yet over (12:10–12:55)
Period marks, 1 четверть: 5А math P1 5, P2 4; rus P1 4, P2 н/а; eng P1 осв, P2 3; 9А math P5 2.
Last year (2024, closed) annual marks of 4А: P1 math 5, rus 4; P2 math 4, rus 4, eng 4.
Results of ВПР and ОГЭ (2.2): P1 ВПР math 4 (12 Nov), P2 ВПР math 4 (12 Nov), P2 ВПР rus 3 (13 Nov),
P1 ВПР eng 5 (12 Nov), P2 ВПР eng 2 (20 Oct), P5 ОГЭ math 4 (14 Nov), P6 ОГЭ math 3 (14 Nov); last
year P1 ВПР math 3 (15 Apr 2025).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from models import (
    AcademicYear, Attendance, ControlAct, CurriculumItem, Enrollment, ExamResult, Guardian, Holiday, Homework, Lesson,
    LessonPlan, Mark, Municipality, OlympiadResult, OlympiadVenue, PeriodMark, PlannedTopic, RoleGrant, School,
    SchoolClass, SchoolSettings, Staff, Student, StudentGuardian, StudyPeriod, Subgroup, SubgroupMember, Subject,
    Substitution, TeachingAssignment, TimetableSlot, User, UserSession, Work, WorkType,
)
from models.db import transaction

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2025, 11, 20, 12, 0, tzinfo=MSK)
YEAR_FROM, YEAR_TO = date(2025, 9, 1), date(2026, 8, 31)
BELLS = {1: (time(8, 30), time(9, 15)), 2: (time(9, 25), time(10, 10)), 3: (time(10, 20), time(11, 5)),
         5: (time(12, 10), time(12, 55))}


def msk(month: int, day: int, hour: int = 12, minute: int = 0, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MSK).astimezone(timezone.utc)


@dataclass
class IW:
    municipality_id: int
    a: int
    b: int
    classes: dict = field(default_factory=dict)
    subjects: dict = field(default_factory=dict)
    staff: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    pupils: dict = field(default_factory=dict)
    lessons: dict = field(default_factory=dict)
    periods: dict = field(default_factory=dict)


PASSWORD = "Secret-pass1"


def build(password: bool = False) -> IW:
    """The world; with password=True every account can sign in with PASSWORD (for the UI tests)."""
    pw_hash = None
    if password:
        from services.core import passwords
        pw_hash = passwords.hash_password(PASSWORD)
    with transaction() as tx:
        def add(obj):
            tx.add(obj)
            tx.flush()
            return obj

        muni = add(Municipality(name="Тестовый округ"))
        sa = add(School(municipality_id=muni.id, name="Школа А", short_name="Школа А"))
        sb = add(School(municipality_id=muni.id, name="Школа Б", short_name="Школа Б"))
        w = IW(muni.id, sa.id, sb.id)
        for s in (sa, sb):
            tx.add(SchoolSettings(school_id=s.id))
        created = msk(9, 1, 8)

        def user(login, *, activated=None, last_login=None, oidc=False, oidc_used=None):
            u = add(User(login=login, password_hash=pw_hash, last_name=login.capitalize(), first_name="Т",
                         created_at=created,
                         activated_at=activated, last_login_at=last_login,
                         oidc_subject=f"esia-{login}" if oidc else None, oidc_last_used_at=oidc_used))
            w.users[login] = u.id
            return u.id

        def grant(uid, role, school, **scope):
            tx.add(RoleGrant(user_id=uid, role=role, school_id=school, granted_at=created, **scope))

        # --- school A: calendar --------------------------------------------------------------
        prev = add(AcademicYear(school_id=sa.id, start_year=2024, starts_on=date(2024, 9, 1),
                                ends_on=date(2025, 8, 31), is_closed=True))
        year = add(AcademicYear(school_id=sa.id, start_year=2025, starts_on=YEAR_FROM, ends_on=YEAR_TO))
        q1 = add(StudyPeriod(school_id=sa.id, year_id=year.id, kind="quarter", number=1, name="1 четверть",
                             starts_on=date(2025, 9, 1), ends_on=date(2025, 10, 24)))
        q2 = add(StudyPeriod(school_id=sa.id, year_id=year.id, kind="quarter", number=2, name="2 четверть",
                             starts_on=date(2025, 11, 5), ends_on=date(2025, 12, 28)))
        w.periods = {"q1": q1.id, "q2": q2.id}
        tx.add(Holiday(school_id=sa.id, year_id=year.id, name="Осенние каникулы", starts_on=date(2025, 10, 25),
                       ends_on=date(2025, 11, 4)))
        c4 = add(SchoolClass(school_id=sa.id, year_id=prev.id, grade=4, letter="А", name="4А"))
        for name, grade in (("1А", 1), ("5А", 5), ("9А", 9)):
            w.classes[name] = add(SchoolClass(school_id=sa.id, year_id=year.id, grade=grade, letter="А",
                                              name=name)).id
        for key, name, area in (("math", "Математика", "Математика и информатика"),
                                ("rus", "Русский язык", "Русский язык и литература"),
                                ("eng", "Иностранный язык (английский)", "Иностранные языки")):
            w.subjects[key] = add(Subject(school_id=sa.id, name=name, area=area)).id
        c1, c5, c9 = w.classes["1А"], w.classes["5А"], w.classes["9А"]
        m, r, e = w.subjects["math"], w.subjects["rus"], w.subjects["eng"]
        for cls, subj, hours, extra in ((c5, m, 2, {}), (c5, r, 1, {}), (c5, e, 2, {"split": True}),
                                        (c9, m, 2, {}), (c1, m, 4, {"no_attestation": True})):
            tx.add(CurriculumItem(school_id=sa.id, class_id=cls, subject_id=subj, hours_per_week=hours, **extra))
        g1 = add(Subgroup(school_id=sa.id, class_id=c5, subject_id=e, name="1 группа"))
        g2 = add(Subgroup(school_id=sa.id, class_id=c5, subject_id=e, name="2 группа"))
        wt_lesson = add(WorkType(school_id=sa.id, name="Работа на уроке", weight=1, is_default=True))
        wt_test = add(WorkType(school_id=sa.id, name="Контрольная работа", weight=2, checking_days=3, is_test=True))

        # --- people ----------------------------------------------------------------------------
        act = msk(9, 2)
        teachers = {}
        for key, activated, oidc, oidc_used in (("math", act, True, msk(11, 3)), ("rus", act, True, None),
                                                ("eng1", act, False, None), ("eng2", None, False, None)):
            uid = user(f"t_{key}", activated=activated, last_login=activated, oidc=oidc, oidc_used=oidc_used)
            grant(uid, "teacher", sa.id)
            teachers[key] = add(Staff(school_id=sa.id, user_id=uid, last_name=f"Учитель-{key}",
                                      first_name="Иван")).id
        old = user("t_old", activated=act)
        tx.add(RoleGrant(user_id=old, role="teacher", school_id=sa.id, granted_at=created, revoked_at=msk(10, 1)))
        w.staff = teachers
        grant(w.users["t_rus"], "class_teacher", sa.id, class_id=c5)
        grant(user("director", activated=act), "director", sa.id)
        grant(user("deputy5", activated=act), "deputy", sa.id, grades="5")
        grant(user("admin_a", activated=act), "admin", sa.id)
        grant(user("monitor_a", activated=act), "monitoring", sa.id)
        tx.add(RoleGrant(user_id=user("coord", activated=act), role="coordinator", municipality_id=muni.id,
                         granted_at=created))
        other = add(Municipality(name="Другой округ"))
        tx.add(RoleGrant(user_id=user("coord_other", activated=act), role="coordinator", municipality_id=other.id,
                         granted_at=created))
        for cls, subj, sg, key in ((c5, m, None, "math"), (c9, m, None, "math"), (c1, m, None, "math"),
                                   (c5, r, None, "rus"), (c5, e, g1.id, "eng1"), (c5, e, g2.id, "eng2")):
            tx.add(TeachingAssignment(school_id=sa.id, class_id=cls, subject_id=subj, subgroup_id=sg,
                                      teacher_id=teachers[key]))
        # timetable of the week: 5А full (5 of 5 hours), 9А short (1 of 2), 1А full (4 of 4)
        slots = [(c5, m, None, 1, 1), (c5, m, None, 3, 1), (c5, r, None, 2, 2), (c5, e, g1.id, 4, 3),
                 (c5, e, g2.id, 4, 3), (c5, e, g1.id, 5, 3), (c5, e, g2.id, 5, 3), (c9, m, None, 2, 1),
                 (c1, m, None, 1, 2), (c1, m, None, 2, 2), (c1, m, None, 3, 2), (c1, m, None, 4, 2)]
        for cls, subj, sg, weekday, number in slots:
            tx.add(TimetableSlot(school_id=sa.id, class_id=cls, subgroup_id=sg, subject_id=subj,
                                 teacher_id=teachers["math"], weekday=weekday, lesson_number=number,
                                 valid_from=date(2025, 9, 1)))

        pupils = {}
        for key, last, first, sex, cls, start, end, account, activated in (
                ("P1", "Алексеев", "Антон", "м", c5, date(2025, 9, 1), None, True, act),
                ("P2", "Борисова", "Бэлла", "ж", c5, date(2025, 9, 1), None, True, act),
                ("P3", "Васильев", "Виктор", "м", c5, date(2025, 9, 1), date(2025, 11, 10), True, act),
                ("P4", "Григорьева", "Галина", "ж", c5, date(2025, 11, 6), None, True, None),
                ("P5", "Дмитриев", "Денис", "м", c9, date(2025, 9, 1), None, True, act),
                ("P6", "Егорова", "Елена", "ж", c9, date(2025, 9, 1), None, True, None),
                ("P7", "Жуков", "Жора", "м", c1, date(2025, 9, 1), None, False, None),
                ("P8", "Зайцева", "Зоя", "ж", c1, date(2025, 9, 1), None, False, None)):
            uid = user(f"pupil_{key.lower()}", activated=activated) if account else None
            if uid:
                grant(uid, "student", sa.id)
            p = add(Student(school_id=sa.id, user_id=uid, last_name=last, first_name=first, sex=sex,
                            birth_date=date(2014 if cls == c5 else 2010 if cls == c9 else 2018, 3, 1),
                            left_on=end, created_at=created))
            pupils[key] = p.id
            tx.add(Enrollment(school_id=sa.id, student_id=p.id, class_id=cls, starts_on=start, ends_on=end,
                              reason="enrolled"))
        w.pupils = pupils
        for key in ("P1", "P2"):
            tx.add(Enrollment(school_id=sa.id, student_id=pupils[key], class_id=c4.id, starts_on=date(2024, 9, 1),
                              ends_on=date(2025, 8, 31), reason="promoted"))
        for sg, key, start, end in ((g1, "P1", date(2025, 9, 1), None), (g1, "P3", date(2025, 9, 1), date(2025, 11, 10)),
                                    (g2, "P2", date(2025, 9, 1), None), (g2, "P4", date(2025, 11, 6), None)):
            tx.add(SubgroupMember(school_id=sa.id, subgroup_id=sg.id, student_id=pupils[key], starts_on=start,
                                  ends_on=end))
        # guardians: G1 of P1 and P2 (signed in 19 Nov), G3 of P3, G4 of P4 (never), G5 of P5 (10 Nov),
        # G6 of P6 (no account), G7 of P7 (signed in today 11:00); P8 has none
        for key, children, activated, last in (("g1", ("P1", "P2"), act, msk(11, 19)), ("g3", ("P3",), act, act),
                                               ("g4", ("P4",), None, None), ("g5", ("P5",), act, msk(11, 10)),
                                               ("g6", ("P6",), None, None), ("g7", ("P7",), act, msk(11, 20, 11))):
            uid = None
            if key != "g6":
                uid = user(f"parent_{key}", activated=activated, last_login=last)
                grant(uid, "parent", sa.id)
            g = add(Guardian(school_id=sa.id, user_id=uid, last_name=f"Родитель-{key}", first_name="Анна"))
            for child in children:
                tx.add(StudentGuardian(school_id=sa.id, student_id=pupils[child], guardian_id=g.id))

        # --- КТП -------------------------------------------------------------------------------
        plan5 = add(LessonPlan(school_id=sa.id, year_id=year.id, subject_id=m, class_id=c5, name="Математика 5А"))
        topics = {}
        for n, day in enumerate((date(2025, 9, 1), date(2025, 9, 3), date(2025, 10, 6), date(2025, 11, 10),
                                 date(2025, 11, 12), date(2025, 11, 24)), start=1):
            topics[f"T{n}"] = add(PlannedTopic(school_id=sa.id, plan_id=plan5.id, number=n, topic=f"Тема {n}",
                                               planned_on=day)).id
        plan9 = add(LessonPlan(school_id=sa.id, year_id=year.id, subject_id=m, grade=9, name="Математика 9"))
        for n, day in ((1, date(2025, 11, 11)), (2, date(2025, 11, 18))):
            topics[f"U{n}"] = add(PlannedTopic(school_id=sa.id, plan_id=plan9.id, number=n, topic=f"Тема {n}",
                                               planned_on=day)).id

        # --- lessons ---------------------------------------------------------------------------
        def lesson(label, cls, subj, teacher, day, number, *, sg=None, period=None, status="scheduled",
                   held=True, topic="Тема урока", topic_at=None, planned=None, attendance_at="default"):
            start, end = BELLS[number]
            ended = datetime.combine(day, end, MSK).astimezone(timezone.utc)
            if attendance_at == "default":
                attendance_at = ended if held else None
            les = add(Lesson(school_id=sa.id, class_id=cls, subgroup_id=sg, subject_id=subj,
                             teacher_id=teachers[teacher], period_id=period, lesson_date=day, lesson_number=number,
                             starts_at=start, ends_at=end, status=status, held=held, topic=topic if held else "",
                             planned_topic_id=topics.get(planned),
                             topic_entered_at=(topic_at or ended) if held and topic else None,
                             attendance_taken_at=attendance_at))
            w.lessons[label] = les
            return les

        D = lambda month, day: date(2025, month, day)  # noqa: E731
        L = {}
        L[1] = lesson("L1", c5, m, "math", D(10, 6), 1, period=q1.id, planned="T3")
        L[2] = lesson("L2", c5, m, "math", D(10, 8), 1, period=q1.id, attendance_at=msk(10, 12, 10))
        L[3] = lesson("L3", c5, r, "rus", D(10, 7), 2, period=q1.id, topic_at=msk(10, 7, 22))
        L[4] = lesson("L4", c9, m, "math", D(10, 7), 1, period=q1.id)
        L[5] = lesson("L5", c9, m, "math", D(10, 9), 1, period=q1.id, topic="")
        L[6] = lesson("L6", c9, m, "math", D(10, 14), 1, period=q1.id, attendance_at=None)
        L[7] = lesson("L7", c5, m, "math", D(11, 5), 1, period=q2.id, status="cancelled", held=False)
        L[8] = lesson("L8", c5, m, "math", D(11, 10), 1, period=q2.id, planned="T4")
        L[9] = lesson("L9", c5, m, "math", D(11, 12), 1, period=q2.id, topic="Fractions", planned="T5")
        L[10] = lesson("L10", c5, m, "math", D(11, 17), 1, period=q2.id)
        L[11] = lesson("L11", c5, m, "rus", D(11, 19), 1, period=q2.id)  # the substitute teaches it
        L[12] = lesson("L12", c5, r, "rus", D(11, 11), 2, period=q2.id)
        L[13] = lesson("L13", c5, r, "rus", D(11, 18), 2, period=q2.id)
        L[14] = lesson("L14", c5, e, "eng1", D(11, 13), 3, sg=g1.id, period=q2.id)
        L[15] = lesson("L15", c5, e, "eng2", D(11, 13), 3, sg=g2.id, period=q2.id)
        L[16] = lesson("L16", c5, e, "eng1", D(11, 14), 3, sg=g1.id, period=q2.id, topic="")
        L[17] = lesson("L17", c5, e, "eng2", D(11, 14), 3, sg=g2.id, period=q2.id, attendance_at=None)
        L[18] = lesson("L18", c9, m, "math", D(11, 11), 1, period=q2.id, planned="U1")
        L[19] = lesson("L19", c9, m, "eng1", D(11, 18), 1, period=q2.id, topic="")  # the substitute
        L[20] = lesson("L20", c1, m, "math", D(11, 10), 2, period=q2.id, topic="Счёт до 10", attendance_at=None)
        L[21] = lesson("L21", c1, m, "math", D(11, 17), 2, period=q2.id, status="missed", held=False)
        L[22] = lesson("L22", c5, m, "math", D(11, 24), 1, period=q2.id, held=False)
        L[23] = lesson("L23", c5, r, "rus", D(11, 20), 5, period=q2.id, held=False)

        subs = ((L[11], teachers["math"], teachers["rus"], True), (L[19], teachers["math"], teachers["eng1"], False),
                (L[21], teachers["math"], None, False))
        for les, absent, substitute, same in subs:
            tx.add(Substitution(school_id=sa.id, lesson_id=les.id, absent_teacher_id=absent,
                                substitute_teacher_id=substitute, same_subject=same, created_at=msk(10, 1)))

        # --- homework: (lesson, entered at, minutes, text) ---------------------------------------
        for n, at, minutes, text in ((1, msk(10, 6, 10), 20, "§ 1, решить № 5"), (3, msk(10, 7, 14), 30, "Упр. 12"),
                                     (4, msk(10, 7, 9, 30), 30, "Решить № 101"), (8, msk(11, 10, 9, 20), 30, "Решить № 200"),
                                     (9, msk(11, 12, 12), 30, "Решить № 210"), (11, msk(11, 19, 13), 40, "Решить № 230"),
                                     (12, msk(11, 11, 10, 15), 130, "Сочинение"),
                                     (13, msk(11, 18, 10, 30), 50, "Exercise 12 page 5"),
                                     (14, msk(11, 13, 11, 10), 20, "Ex. 3 p. 45"),
                                     (15, msk(11, 13, 11, 10), 30, "Слова урока 4"),
                                     (18, msk(11, 11, 9, 20), 45, "Решить № 15"), (20, msk(11, 10, 10, 30), 15, "Прописи")):
            tx.add(Homework(school_id=sa.id, lesson_id=L[n].id, text=text, minutes=minutes, entered_at=at))

        # --- marks: lesson → [(pupil, value, entered at)], the work type per lesson ---------------
        marks = {
            1: ("lesson", [("P1", "5", msk(10, 6)), ("P2", "4", msk(10, 6))]),
            2: ("test", [("P1", "4", msk(10, 8)), ("P2", "4", msk(10, 8))]),
            3: ("lesson", [("P1", "4", msk(10, 7))]),
            4: ("lesson", [("P5", "2", msk(10, 7)), ("P6", "3", msk(10, 7))]),
            5: ("lesson", [("P5", "2", msk(10, 9)), ("P6", "4", msk(10, 9))]),
            6: ("lesson", [("P5", "2", msk(10, 15, 9))]),
            8: ("lesson", [("P1", "5", msk(11, 10, 10)), ("P2", "3", msk(11, 10, 10)), ("P3", "2", msk(11, 10, 10))]),
            9: ("lesson", [("P1", "4", msk(11, 12, 20, 59)), ("P2", "2", msk(11, 12, 20, 59)),
                           ("P4", "2", msk(11, 12, 21, 30))]),
            10: ("test", [("P1", "5", msk(11, 20, 10)), ("P2", "2", msk(11, 20, 10)), ("P4", "3", msk(11, 20, 10))]),
            11: ("lesson", [("P1", "5", msk(11, 19, 22)), ("P1", "4", msk(11, 19, 22)), ("P2", "2", msk(11, 19, 22))]),
            12: ("lesson", [("P1", "4", msk(11, 11, 15)), ("P2", "5", msk(11, 11, 15)), ("P4", "н/а", msk(11, 11, 15))]),
            13: ("lesson", [("P1", "3", msk(11, 18, 15))]),
            14: ("lesson", [("P1", "5", msk(11, 13))]),
            15: ("lesson", [("P2", "3", msk(11, 13)), ("P4", "3", msk(11, 13))]),
            16: ("lesson", [("P1", "5", msk(11, 14))]),
            17: ("lesson", [("P2", "2", msk(11, 14)), ("P4", "3", msk(11, 14))]),
            18: ("lesson", [("P5", "3", msk(11, 11)), ("P6", "5", msk(11, 11))]),
            19: ("lesson", [("P5", "2", msk(11, 18)), ("P6", "осв", msk(11, 18))]),
        }
        for n, (kind, rows) in marks.items():
            work = add(Work(school_id=sa.id, lesson_id=L[n].id,
                            work_type_id=(wt_test if kind == "test" else wt_lesson).id, created_at=msk(10, 1)))
            seen: dict[str, int] = {}
            for key, value, at in rows:
                position = seen.get(key, 0)
                seen[key] = position + 1
                tx.add(Mark(school_id=sa.id, work_id=work.id, student_id=pupils[key], position=position, value=value,
                            numeric=int(value) if value.isdigit() else None, entered_at=at,
                            entered_by_user_id=w.users["t_math"]))

        # --- attendance: (lesson, pupil, status) -----------------------------------------------------
        for n, key, status in ((1, "P1", "absent"), (8, "P3", "absent"), (9, "P2", "ill"), (10, "P2", "ill"),
                               (12, "P4", "late"), (13, "P2", "excused"), (18, "P5", "absent"),
                               (19, "P5", "absent")):
            tx.add(Attendance(school_id=sa.id, lesson_id=L[n].id, student_id=pupils[key], status=status,
                              entered_at=L[n].attendance_taken_at or msk(11, 20, 8),
                              entered_by_user_id=w.users["t_rus"]))

        # --- period marks ------------------------------------------------------------------------
        for key, subj, value in (("P1", m, "5"), ("P2", m, "4"), ("P1", r, "4"), ("P2", r, "н/а"), ("P1", e, "осв"),
                                 ("P2", e, "3"), ("P5", m, "2")):
            cls = c9 if key == "P5" else c5
            tx.add(PeriodMark(school_id=sa.id, year_id=year.id, student_id=pupils[key], subject_id=subj,
                              class_id=cls, period_id=q1.id, kind="period", value=value,
                              numeric=int(value) if value.isdigit() else None, entered_at=msk(10, 24)))
        for key, subj, value in (("P1", m, "5"), ("P1", r, "4"), ("P2", m, "4"), ("P2", r, "4"), ("P2", e, "4")):
            tx.add(PeriodMark(school_id=sa.id, year_id=prev.id, student_id=pupils[key], subject_id=subj,
                              class_id=c4.id, kind="annual", value=value, numeric=int(value),
                              entered_at=msk(5, 25, year=2025)))

        # --- results of ВПР and ОГЭ (2.2) ---------------------------------------------------------
        for key, kind, subj, day, mark, yr in (
                ("P1", "vpr", m, date(2025, 11, 12), 4, year), ("P2", "vpr", m, date(2025, 11, 12), 4, year),
                ("P2", "vpr", r, date(2025, 11, 13), 3, year), ("P1", "vpr", e, date(2025, 11, 12), 5, year),
                ("P2", "vpr", e, date(2025, 10, 20), 2, year), ("P5", "oge", m, date(2025, 11, 14), 4, year),
                ("P6", "oge", m, date(2025, 11, 14), 3, year), ("P1", "vpr", m, date(2025, 4, 15), 3, prev)):
            cls = c9 if key in ("P5", "P6") else (c5 if yr is year else c4.id)
            tx.add(ExamResult(school_id=sa.id, year_id=yr.id, student_id=pupils[key], subject_id=subj, class_id=cls,
                              kind=kind, held_on=day, primary_score=10, mark=mark, entered_at=msk(11, 19)))

        # --- olympiads ---------------------------------------------------------------------------
        for key, olympiad, stage, subject, status, yr in (
                ("P1", "vsosh", "school", "Математика", "participant", year),
                ("P1", "vsosh", "school", "Русский язык", "prize", year),
                ("P2", "vsosh", "school", "Математика", "participant", year),
                ("P5", "vsosh", "school", "Математика", "winner", year),
                ("P5", "vsosh", "municipal", "Математика", "participant", year),
                ("P5", "vsosh", "regional", "Математика", "prize", year),
                ("P3", "vsosh", "school", "Математика", "participant", year),
                ("P7", "vsosh", "school", "Математика", "participant", year),
                ("P6", "vsosh", "final", "Математика", "winner", year),
                ("P2", "podmoskovnaya", "", "Математика", "participant", year),
                ("P6", "podmoskovnaya", "", "Физика", "participant", year),
                ("P5", "vzlet_programme", "", "Математика", "participant", year),
                ("P1", "vsosh", "school", "Математика", "participant", prev)):
            tx.add(OlympiadResult(school_id=sa.id, year_id=yr.id, student_id=pupils[key], olympiad=olympiad,
                                  stage=stage, subject_name=subject, status=status, held_on=date(2025, 10, 1)))
        for stage, yr in (("school", year), ("municipal", year), ("school", prev)):
            tx.add(OlympiadVenue(school_id=sa.id, year_id=yr.id, olympiad="vsosh", stage=stage,
                                 held_on=date(2025, 10, 1)))
        tx.add(ControlAct(school_id=sa.id, kind="director_review", held_on=date(2025, 9, 29),
                          author_user_id=w.users["director"], findings="Замечаний нет.", created_at=msk(9, 29)))

        # --- school B: class 7Б, Информатика in two groups, one lesson each -----------------------
        yb = add(AcademicYear(school_id=sb.id, start_year=2025, starts_on=YEAR_FROM, ends_on=YEAR_TO))
        qb = add(StudyPeriod(school_id=sb.id, year_id=yb.id, kind="quarter", number=2, name="2 четверть",
                             starts_on=date(2025, 11, 5), ends_on=date(2025, 12, 28)))
        c7 = add(SchoolClass(school_id=sb.id, year_id=yb.id, grade=7, letter="Б", name="7Б"))
        w.classes["7Б"] = c7.id
        inf = add(Subject(school_id=sb.id, name="Информатика")).id
        tx.add(CurriculumItem(school_id=sb.id, class_id=c7.id, subject_id=inf, hours_per_week=1, split=True))
        wt_b = add(WorkType(school_id=sb.id, name="Работа на уроке", weight=1, is_default=True))
        tb_user = user("t_b", activated=act)
        grant(tb_user, "teacher", sb.id)
        tb = add(Staff(school_id=sb.id, user_id=tb_user, last_name="Учитель-b", first_name="Пётр")).id
        groups = [add(Subgroup(school_id=sb.id, class_id=c7.id, subject_id=inf, name=f"{n} группа")) for n in (1, 2)]
        for n, (last, group) in enumerate((("Рыбин", groups[0]), ("Сомова", groups[1])), start=1):
            p = add(Student(school_id=sb.id, last_name=last, first_name="Юрий", created_at=created))
            w.pupils[f"R{n}"] = p.id
            tx.add(Enrollment(school_id=sb.id, student_id=p.id, class_id=c7.id, starts_on=date(2025, 9, 1)))
            tx.add(SubgroupMember(school_id=sb.id, subgroup_id=group.id, student_id=p.id, starts_on=date(2025, 9, 1)))
            start, end = BELLS[n]
            ended = datetime.combine(date(2025, 11, 11), end, MSK).astimezone(timezone.utc)
            les = add(Lesson(school_id=sb.id, class_id=c7.id, subgroup_id=group.id, subject_id=inf, teacher_id=tb,
                             period_id=qb.id, lesson_date=date(2025, 11, 11), lesson_number=n, starts_at=start,
                             ends_at=end, held=True, topic="Алгоритмы", topic_entered_at=ended,
                             attendance_taken_at=ended))
            w.lessons[f"B{n}"] = les
            tx.add(Homework(school_id=sb.id, lesson_id=les.id, text="Задача 1", minutes=20, entered_at=ended))
            work = add(Work(school_id=sb.id, lesson_id=les.id, work_type_id=wt_b.id, created_at=ended))
            tx.add(Mark(school_id=sb.id, work_id=work.id, student_id=p.id, value="4", numeric=4, entered_at=ended))
        tx.add(UserSession(token_hash="x" * 64, user_id=w.users["parent_g7"], created_at=msk(11, 20, 11),
                           last_seen_at=msk(11, 20, 11)))
    return w


@contextmanager
def built_world(kind: str, tmp, sqlite_template, pg_template_name=None):
    """The world on a fresh database of `kind` with its snapshot taken in `tmp`; DATABASE_URL,
    PORTAL_ANALYTICS_PATH and the clock are set while it is in use. Yields (world, url)."""
    import pytest

    from checks import snapshot
    from models.db import dispose_all, get_engine
    from services.core import clock
    from tests import conftest

    name = None
    if kind == "sqlite":
        url = conftest._fresh_sqlite(sqlite_template, tmp)
    else:
        name, url = conftest._fresh_pg(pg_template_name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", url)
        mp.setenv("PORTAL_ANALYTICS_PATH", str(tmp / "analytics.duckdb"))
        clock.set_now(NOW)
        try:
            w = build()
            snapshot.refresh()
            yield w, url
        finally:
            clock.set_now(None)
            get_engine(url).dispose()
            dispose_all()
            if name:
                conftest._pg_exec(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# --- the world at NOW as a fixture, and an actor by login (tests of issue 19 import them) ----------
import pytest  # noqa: E402


@pytest.fixture
def world_at_now(db_url):
    from services.core import clock
    clock.set_now(NOW)
    try:
        yield build()
    finally:
        clock.set_now(None)


def actor(w: IW, login: str):
    from services.core import auth
    return auth.actor_for_user(w.users[login])
