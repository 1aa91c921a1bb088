"""Builds the rows of one demo school in memory, stage by stage, and hands each stage's rows
to a writer (data/demo.py) that inserts them in bulk. Everything is drawn from one seeded
random.Random and one seeded Faker, so the same seed gives the same rows."""
from __future__ import annotations

import bisect
import hashlib
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from faker import Faker
from pydantic_core import PydanticUndefined

import models as M
from data import demo_catalog as K
from data.demo_calendar import YearCalendar, bells
from data.demo_timetable import ClassInfo, build_plan, is_split

UTC = timezone.utc
LETTERS = "АБВ"
DEMO_EMAIL_DOMAIN = "demo.school.local"
SHARED_HASH = "__demo_shared_hash__"  # replaced by the real shared hash before commit
DEMO_HASH = "__demo_hash__:"  # + role: replaced by the real hash of the demo password
_VAL = ["0", "1", "2", "3", "4", "5"]
EJ_START = date(2012, 8, 27)  # when the demo schools began to keep the electronic journal
_PUBLIC = {(11, 4), (2, 23), (3, 8), (5, 1), (5, 9), (6, 12)} | {(1, d) for d in range(1, 9)}


def _is_public(day: date) -> bool:
    return (day.month, day.day) in _PUBLIC


def _defaults(model) -> dict:
    out = {}
    for column in model.__table__.columns:
        f = model.model_fields.get(column.name)
        value = None
        if f is not None and f.default is not PydanticUndefined:
            value = f.default
        out[column.name] = value
    return out


DEFAULTS = {m.__tablename__: _defaults(m) for m in (
    M.Municipality, M.School, M.SchoolSettings, M.User, M.RoleGrant, M.Staff, M.Student, M.Enrollment,
    M.Guardian, M.StudentGuardian, M.CredentialIssue, M.Consent, M.AcademicYear, M.StudyPeriod,
    M.Holiday, M.BellSchedule, M.Subject, M.SchoolClass, M.Subgroup, M.SubgroupMember,
    M.CurriculumItem, M.TeachingAssignment, M.TimetableSlot, M.Lesson, M.Substitution, M.LessonPlan,
    M.PlannedTopic, M.WorkType, M.Work, M.Mark, M.Attendance, M.Homework, M.HomeworkMiss,
    M.PeriodMark, M.OlympiadResult, M.OlympiadVenue, M.DiaryVisit, M.MessageThread, M.Message, M.ThreadMember,
    M.MessageReport, M.Document, M.CorrectionRequest, M.ControlAct, M.Attachment, M.RequiredDocument,
    M.MailSettings, M.MailAddress, M.MailSubscription, M.MailOutbox,
    M.ExamResult,
)}


@dataclass
class Context:
    """What all schools of one run share."""
    seed: int
    now: datetime  # aware UTC
    today: date  # in the school's time zone
    tz: str
    cal: YearCalendar  # the generated year
    prev_cal: YearCalendar  # last year (history)
    municipality_id: int
    next_id: dict[str, int]
    used_logins: set[str]
    shared_hash: str = SHARED_HASH
    demo_hashes: dict[str, str] = field(default_factory=dict)  # role → hash (or placeholder)
    demo_user_ids: dict[str, int] = field(default_factory=dict)  # role → user id
    stats: dict[str, int] = field(default_factory=lambda: {"students": 0, "lessons": 0, "marks": 0,
                                                           "attendance": 0})

    def ids(self, table: str, n: int = 1) -> int:
        """Reserve n ids of a table; returns the first."""
        first = self.next_id.get(table, 1)
        self.next_id[table] = first + n
        return first


class Person:
    __slots__ = ("last", "first", "middle", "sex")

    def __init__(self, last, first, middle, sex):
        self.last, self.first, self.middle, self.sex = last, first, middle, sex

    @property
    def full(self) -> str:
        return f"{self.last} {self.first} {self.middle}".strip()

    @property
    def short(self) -> str:
        return f"{self.last} {self.first[:1]}. {self.middle[:1]}.".strip() if self.middle else \
            f"{self.last} {self.first[:1]}."


class Pupil:
    __slots__ = ("id", "c", "grade", "person", "mu", "mus", "ill", "truancy", "truant", "exempt_pe", "sg",
                 "guardians", "user_id", "family")

    def __init__(self):
        self.sg: dict[str, int] = {}
        self.guardians: list[tuple[int, Person, int, str]] = []  # (guardian id, person, user id, relation)


class Lesson:
    __slots__ = ("id", "c", "sg", "sgid", "subj", "t", "day", "num", "period", "start", "end",
                 "start_min", "end_min", "seq", "row", "held", "sub")


Writer = Callable[[dict[str, list[dict]]], None]


class SchoolBuilder:
    def __init__(self, ctx: Context, index: int, write: Writer, step: Callable[[str], None] = lambda s: None):
        self.ctx = ctx
        self.index = index  # 0-based
        self.demo = index == 0
        self.write = write
        self.step = step
        self.rng = random.Random(f"demo:{ctx.seed}:{index}")
        self.fake = Faker("ru_RU")
        self.fake.seed_instance(f"demo:{ctx.seed}:{index}")
        self.out: dict[str, list[dict]] = {}
        self.zone = ZoneInfo(ctx.tz)
        self._offsets: dict[date, timedelta] = {}
        self.cal = ctx.cal
        self.prev = ctx.prev_cal
        self._user_rows: dict[int, dict] = {}

    # --- small helpers -----------------------------------------------------------------
    def add(self, model, **values) -> dict:
        table = model.__tablename__
        row = dict(DEFAULTS[table])
        row.update(values)
        self.out.setdefault(table, []).append(row)
        return row

    def flush(self) -> None:
        out, self.out = self.out, {}
        self.write(out)

    def at(self, day: date, minutes: float) -> datetime:
        """A moment `minutes` after local midnight of `day`, as an aware UTC datetime."""
        off = self._offsets.get(day)
        if off is None:
            off = self._offsets[day] = datetime(day.year, day.month, day.day, 12, tzinfo=self.zone).utcoffset()
        return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=minutes) - off

    def login(self, p: Person) -> str:
        base = f"{K.translit(p.last)}.{K.translit(p.first)[:1]}{K.translit(p.middle)[:1]}".rstrip(".")
        used = self.ctx.used_logins
        candidate, n = base, 1
        while candidate in used:
            n += 1
            candidate = f"{base}{n}"
        used.add(candidate)
        return candidate

    def phone(self) -> str:
        r = self.rng
        return f"+7 9{r.randint(10, 99)} {r.randint(100, 999)}-{r.randint(10, 99)}-{r.randint(10, 99)}"

    def working_days_after(self, day: date, n: int) -> date:
        d = day
        while n > 0:
            d += timedelta(days=1)
            if d.weekday() < 5 and not _is_public(d):
                n -= 1
        return d

    def past(self, moment: datetime) -> datetime:
        """Never later than now (minus a minute)."""
        limit = self.ctx.now - timedelta(minutes=1)
        return moment if moment <= limit else limit

    # --- people ------------------------------------------------------------------------
    def adult(self, sex: str) -> Person:
        f = self.fake
        male = f.last_name_male()
        if sex == "м":
            return Person(male, f.random_element(list(K.FATHERS)), f.middle_name_male(), sex)
        return Person(K.female_surname(male), f.random_element(K.WOMEN), f.middle_name_female(), sex)

    def new_user(self, p: Person, *, kind: str, since: date, login: str | None = None,
                 issued: datetime | None = None, issued_by: int | None = None, recipient: str = "",
                 reset_recipient: str = "", demo_role: str | None = None) -> int:
        """A user with a credential history. kind: staff | teacher | pupil | parent; since: the day
        the person came to the school (arrival, hiring), or when the school began to use the
        electronic journal; the account is made a few days before, the credentials handed after."""
        ctx, r = self.ctx, self.rng
        uid = ctx.ids("user")
        login = login or self.login(p)
        created = self.at(since - timedelta(days=r.randint(3, 12)), r.uniform(540, 1020))
        row = self.add(M.User, id=uid, login=login, password_hash=None, last_name=p.last,
                       first_name=p.first, middle_name=p.middle, email=f"{login}@{DEMO_EMAIL_DOMAIN}",
                       phone=self.phone() if kind != "pupil" or r.random() < 0.6 else None,
                       created_at=created)
        self._user_rows[uid] = row
        now = ctx.now
        if demo_role:
            issued = min(max(issued or created, created + timedelta(minutes=30)), now - timedelta(hours=1))
            row.update(password_hash=ctx.demo_hashes.get(demo_role, DEMO_HASH + demo_role),
                       activated_at=issued + timedelta(hours=2), password_changed_at=issued + timedelta(hours=2),
                       last_login_at=self.past(now - timedelta(hours=r.uniform(2, 30))))
            ctx.demo_user_ids[demo_role] = uid
        else:
            # most hand-overs on time (credential_delay), a few families never came for theirs yet
            p_issued = {"staff": 1.0, "teacher": 1.0, "pupil": 0.985, "parent": 0.97}[kind]
            p_active = {"staff": 0.97, "teacher": 0.93, "pupil": 0.78, "parent": 0.8}[kind]
            if issued is not None:
                issued = max(issued, created + timedelta(minutes=30))
            if issued is None or r.random() >= p_issued or issued >= now:
                issued = None  # never handed credentials (yet): no password
            if issued is not None:
                row["password_hash"] = ctx.shared_hash
                act = issued + timedelta(hours=r.expovariate(1 / 60))
                if r.random() < p_active and act < now:
                    row.update(activated_at=act, password_changed_at=act)
                    recent = {"staff": 0.9, "teacher": 0.88, "pupil": 0.5, "parent": 0.45}[kind]
                    x = r.random()
                    if x < recent:
                        ago = timedelta(days=r.uniform(0.05, 7))
                    elif x < recent + 0.3:
                        ago = timedelta(days=r.uniform(7, 30))
                    else:
                        ago = timedelta(days=r.uniform(30, 120))
                    row["last_login_at"] = max(act, self.past(now - ago))
                else:
                    row["must_change_password"] = True
        if issued is not None:
            self.add(M.CredentialIssue, id=ctx.ids("credentialissue"), school_id=self.school_id, user_id=uid,
                     issued_by_user_id=issued_by, issued_at=issued, kind="initial", recipient=recipient or p.full)
            again = (row["activated_at"] or created) + timedelta(days=r.uniform(5, 60))
            if row["activated_at"] and r.random() < 0.03 and again < now:
                self.add(M.CredentialIssue, id=ctx.ids("credentialissue"), school_id=self.school_id, user_id=uid,
                         issued_by_user_id=issued_by, issued_at=again, kind="reset",
                         recipient=reset_recipient or recipient or p.full)
        return uid

    def grant(self, user_id: int, role: str, **scope) -> None:
        self.add(M.RoleGrant, id=self.ctx.ids("rolegrant"), user_id=user_id, role=role,
                 school_id=scope.pop("school_id", self.school_id), granted_at=self.user_created(user_id), **scope)

    def user_created(self, uid: int) -> datetime:
        return self._user_rows[uid]["created_at"]

    # --- the stages --------------------------------------------------------------------
    def build(self) -> int:
        self.stage_school()
        self.stage_staff()
        self.stage_pupils()
        self.stage_study()
        self.flush()
        self.step("люди и учебный план")
        self.stage_lessons()
        self.step("уроки")
        self.stage_attendance()
        self.out["lesson"] = [L.row for L in self.lessons]  # with attendance_taken_at
        self.flush()
        self.step("посещаемость")
        self.stage_marks()
        self.flush()
        self.step("отметки")
        self.stage_homework()
        self.flush()
        self.step("домашние задания")
        self.stage_period_marks()
        self.stage_history()
        self.stage_olympiads()
        self.stage_comms()
        self.stage_mail()
        self.stage_reviews()
        self.stage_regulation()
        self.stage_exams()
        self.flush()
        self.step("итоговые отметки и олимпиады")
        return self.school_id

    # --- the director's monthly reviews ------------------------------------------------------
    REVIEW_FINDINGS = ("Замечаний нет.", "Темы уроков записаны не во всех журналах; учителям указано.",
                       "Отметки выставляются своевременно; накопляемость в норме.",
                       "Домашнее задание записано с опозданием в отдельных классах.",
                       "Пропуски отмечены своевременно; замечаний нет.")
    def stage_reviews(self) -> None:
        """The director's monthly reviews of the journal (one month in eight forgotten, so the control
        check has something to find)."""
        ctx, r = self.ctx, self.rng
        sid, today = self.school_id, ctx.today
        director = self.role_users["director"]
        month = date(self.cal.starts_on.year, 9, 1)
        while True:
            nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
            last = nxt - timedelta(days=1)
            if last >= today or month > self.cal.periods[-1].ends_on:
                break
            if r.random() >= 0.125:
                held = last
                while held.weekday() >= 5:
                    held -= timedelta(days=1)
                at = self.past(self.at(held, r.uniform(900, 1080)))
                self.add(M.ControlAct, id=ctx.ids("controlact"), school_id=sid, kind="director_review", held_on=held,
                         author_user_id=director, findings=r.choice(self.REVIEW_FINDINGS), created_at=at)
            month = nxt

    def stage_school(self) -> None:
        ctx, r, f = self.ctx, self.rng, self.fake
        number = self.index + 1
        kind = "Гимназия" if number % 7 == 2 else ("Лицей" if number % 11 == 3 else None)
        self.school_id = sid = ctx.ids("school")
        if kind:
            name, short = f"МБОУ «{kind} № {number}»", f"{kind} № {number}"
        else:
            name, short = (f"МБОУ «Средняя общеобразовательная школа № {number}»", f"СОШ № {number}")
        self.add(M.School, id=sid, municipality_id=ctx.municipality_id, name=name, short_name=short,
                 address=f"г. Демоград, ул. {f.street_title()}, д. {r.randint(1, 60)}")
        self.add(M.SchoolSettings, school_id=sid, timezone=ctx.tz)
        # years, periods, holidays
        self.year_ids = {}
        self.period_ids: dict[tuple[int, int], int] = {}
        for cal, closed in ((self.prev, True), (self.cal, False)):
            yid = ctx.ids("academicyear")
            self.year_ids[cal.start_year] = yid
            self.add(M.AcademicYear, id=yid, school_id=sid, start_year=cal.start_year, starts_on=cal.starts_on,
                     ends_on=cal.ends_on, is_closed=closed)
            for p in cal.periods:
                pid = ctx.ids("studyperiod")
                self.period_ids[(cal.start_year, p.number)] = pid
                self.add(M.StudyPeriod, id=pid, school_id=sid, year_id=yid, kind="quarter", number=p.number,
                         name=p.name, starts_on=p.starts_on, ends_on=p.ends_on)
            for h in cal.holidays:
                self.add(M.Holiday, id=ctx.ids("holiday"), school_id=sid, year_id=yid, name=h.name, kind=h.kind,
                         starts_on=h.starts_on, ends_on=h.ends_on)
        self.year_id = self.year_ids[self.cal.start_year]
        self.prev_year_id = self.year_ids[self.prev.start_year]
        self.bells = {}
        for number, start, end in bells():
            self.add(M.BellSchedule, id=ctx.ids("bellschedule"), school_id=sid, shift=1, lesson_number=number,
                     starts_at=start, ends_at=end)
            self.bells[number] = (start.hour * 60 + start.minute, end.hour * 60 + end.minute, start, end)
        self.subject_ids = {}
        for name, (short, area) in K.SUBJECTS.items():
            self.subject_ids[name] = i = ctx.ids("subject")
            self.add(M.Subject, id=i, school_id=sid, name=name, short_name=short, area=area)
        self.work_types = {}
        for name, weight, days, is_test, is_default in K.WORK_TYPES:
            i = ctx.ids("worktype")
            self.work_types[name] = (i, weight, days)
            self.add(M.WorkType, id=i, school_id=sid, name=name, weight=weight, checking_days=days,
                     is_test=is_test, is_default=is_default)
        self.default_wt = self.work_types["Работа на уроке"][0]

    def stage_staff(self) -> None:
        ctx, r = self.ctx, self.rng
        self.classes = [ClassInfo(i, g, l) for i, (g, l) in enumerate((g, l) for g in range(1, 12) for l in LETTERS)]
        self.class_ids = [ctx.ids("schoolclass") for _ in self.classes]
        self.plan = build_plan(self.classes, r)
        self.staff_ids: list[int] = []  # teacher index → staff id
        self.teacher_user: list[int] = []
        self.admin_user = None
        male_share = {"pe": 0.6, "obzr": 0.8, "inf": 0.4, "phys": 0.3, "trud": 0.5, "primary": 0.03}

        hired: dict[int, date] = {}

        def staff_row(p: Person, position: str, subjects: str, uid: int) -> int:
            i = ctx.ids("staff")
            self.add(M.Staff, id=i, school_id=self.school_id, user_id=uid, last_name=p.last, first_name=p.first,
                     middle_name=p.middle, position=position, subjects=subjects, phone=self.phone(),
                     email=f"{self._user_rows[uid]['login']}@{DEMO_EMAIL_DOMAIN}", hired_on=hired[uid])
            return i

        def person_user(p: Person, kind: str, role: str | None) -> int:
            login = role if (self.demo and role) else None
            hire = date(r.randint(1988, self.cal.start_year), 8, r.randint(20, 31))
            since = max(hire, EJ_START)
            issued = self.at(since + timedelta(days=r.randint(0, 5)), r.uniform(600, 960))
            uid = self.new_user(p, kind=kind, since=since, login=login, issued=issued, issued_by=self.admin_user,
                                demo_role=role if self.demo else None)
            hired[uid] = hire
            return uid

        # administration
        admin_roles = [
            ("admin", "Администратор электронного журнала", {}),
            ("director", "Директор", {}),
            ("deputy", "Заместитель директора по УВР", {"grades": "5,6,7,8,9"}),
            ("deputy2", "Заместитель директора по УВР", {"grades": "1,2,3,4"}),
            ("deputy3", "Заместитель директора по УВР", {"grades": "10,11"}),
            ("deputy4", "Заместитель директора по УВР (естественно-математический цикл)", {
                "subject_ids": ",".join(str(self.subject_ids[s]) for s in (
                    "Математика", "Алгебра", "Геометрия", "Вероятность и статистика", "Информатика",
                    "Физика", "Химия", "Биология", "География"))}),
            ("secretary", "Секретарь учебной части", {}),
        ]
        if self.demo:
            admin_roles += [("monitoring", "Специалист по мониторингу (ФСН)", {}),
                            ("editor", "Методист", {}), ("moderator", "Педагог-организатор", {}),
                            ("site_admin", "Администратор сайта", {})]
        self.role_users: dict[str, int] = {}
        for role, position, scope in admin_roles:
            p = self.adult("м" if r.random() < 0.3 else "ж")
            code = role.rstrip("234")
            uid = person_user(p, "staff", role if role == code else None)
            if role == "admin":
                self.admin_user = uid
                for issue in self.out.get("credentialissue", []):
                    if issue["user_id"] == uid:
                        issue["issued_by_user_id"] = uid
            staff_row(p, position, "", uid)
            self.grant(uid, code, **scope)
            self.role_users[role] = uid
        self.deputy_for_grade = {g: self.role_users["deputy"] for g in range(5, 10)}
        self.deputy_for_grade.update({g: self.role_users["deputy2"] for g in range(1, 5)})
        self.deputy_for_grade.update({10: self.role_users["deputy3"], 11: self.role_users["deputy3"]})

        # teachers
        c5a = self.class_index(5, "А")
        self.demo_teacher = self.plan.assignments[(c5a, "Математика")][0][1]
        rooms = iter(f"{floor}{n:02d}" for floor in (2, 3, 4) for n in range(1, 40))
        primary_rooms = iter(f"1{n:02d}" for n in range(1, 60))
        special = {k: iter(v) for k, v in K.SPECIAL_ROOMS.items()}
        for t in self.plan.teachers:
            sex = "м" if r.random() < male_share.get(t.spec, 0.15) else "ж"
            if t.spec == "trud" and t.team is not None:
                sex = "м" if t.index < t.team else "ж"
            p = self.adult(sex)
            role = "teacher" if t.index == self.demo_teacher else None
            uid = person_user(p, "teacher", role)
            if t.spec == "primary":
                t.room = next(primary_rooms)
            else:
                t.room = next(special[t.spec], None) if t.spec in special else None
                t.room = t.room or next(rooms)
            self.staff_ids.append(staff_row(p, t.position, ", ".join(t.subjects), uid))
            self.teacher_user.append(uid)
            self.grant(uid, "teacher")
            # a few teachers sign in through the state portal (ЕСИА-like OpenID Connect)
            row = self._user_rows[uid]
            if row["activated_at"] and r.random() < 0.18:
                linked = self.past(row["activated_at"] + timedelta(days=r.uniform(1, 40)))
                row.update(oidc_subject=f"esia-demo-{uid}-{r.getrandbits(40):010x}", oidc_linked_at=linked,
                           oidc_last_used_at=max(linked, self.past(ctx.now - timedelta(days=r.uniform(0.1, 6)))))
        # class teachers
        self.class_teacher: list[int] = [-1] * len(self.classes)
        taken = set()
        for c in self.classes:
            if c.grade <= 4:
                t = next(t.index for t in self.plan.teachers if t.primary_class == c.index)
            else:
                hours: dict[int, int] = {}
                for subject, h in K.CURRICULUM[c.grade]:
                    for _, ti in self.plan.assignments[(c.index, subject)]:
                        hours[ti] = hours.get(ti, 0) + h
                # the "teacher" demo login is a subject teacher only (no class of their own)
                banned = {self.demo_teacher} if self.demo else set()
                cands = sorted((ti for ti in hours if ti not in taken and ti not in banned),
                               key=lambda ti: (-hours[ti] - r.random() * 3, ti))
                if not cands:
                    cands = [t.index for t in self.plan.teachers if t.index not in taken and t.index not in banned]
                t = cands[0]
            taken.add(t)
            self.class_teacher[c.index] = t
        for c in self.classes:
            t = self.class_teacher[c.index]
            uid = self.teacher_user[t]
            self.grant(uid, "class_teacher", class_id=self.class_ids[c.index])
            if self.demo and c.grade == 5 and c.letter == "А":
                # the class teacher of 5А signs in as "class_teacher"
                old = self._user_rows[uid]["login"]
                self.ctx.used_logins.discard(old)
                row = self._user_rows[uid]
                row.update(login="class_teacher", email=f"class_teacher@{DEMO_EMAIL_DOMAIN}",
                           password_hash=ctx.demo_hashes.get("class_teacher", DEMO_HASH + "class_teacher"),
                           must_change_password=False)
                if not row["activated_at"]:
                    row.update(activated_at=row["created_at"] + timedelta(days=1),
                               password_changed_at=row["created_at"] + timedelta(days=1))
                row["last_login_at"] = self.past(ctx.now - timedelta(hours=r.uniform(1, 20)))
                for s in self.out["staff"]:
                    if s["user_id"] == uid:
                        s["email"] = row["email"]
                ctx.demo_user_ids["class_teacher"] = uid
                self.ctx.used_logins.add("class_teacher")
        # classes (current and last year)
        for c in self.classes:
            self.add(M.SchoolClass, id=self.class_ids[c.index], school_id=self.school_id, year_id=self.year_id,
                     grade=c.grade, letter=c.letter, name=f"{c.grade}{c.letter}", shift=1,
                     room=self.plan.teachers[self.class_teacher[c.index]].room)
        self.prev_class_ids = {}
        for g in range(1, 11):
            for letter in LETTERS:
                i = ctx.ids("schoolclass")
                self.prev_class_ids[(g, letter)] = i
                self.add(M.SchoolClass, id=i, school_id=self.school_id, year_id=self.prev_year_id, grade=g,
                         letter=letter, name=f"{g}{letter}", shift=1, room="")

    def class_index(self, grade: int, letter: str) -> int:
        return (grade - 1) * len(LETTERS) + LETTERS.index(letter)

    def stage_pupils(self) -> None:
        ctx, r, f = self.ctx, self.rng, self.fake
        cal = self.cal
        self.pupils: list[Pupil] = []
        self.roster: list[list[Pupil]] = [[] for _ in self.classes]
        families: list[dict] = []
        secretary = self.role_users["secretary"]
        c5a = self.class_index(5, "А")
        for c in self.classes:
            n = r.randint(24, 28)
            ct_user = self.teacher_user[self.class_teacher[c.index]]
            for k in range(n):
                sex = "м" if r.random() < 0.5 else "ж"
                demo_student = self.demo and c.index == c5a and k == 0
                family = None
                if families and r.random() < 0.08 and not demo_student:
                    cand = families[r.randrange(len(families))]
                    if c.index not in cand["classes"]:
                        family = cand
                if family is None:
                    family = self.new_family()
                    families.append(family)
                family["classes"].add(c.index)
                pp = Pupil()
                pp.id = ctx.ids("student")
                pp.c, pp.grade = c.index, c.grade
                last = family["surname"] if sex == "м" else K.female_surname(family["surname"])
                first = f.random_element(K.BOYS if sex == "м" else K.GIRLS)
                middle = K.FATHERS[family["father"]][0 if sex == "м" else 1]
                pp.person = Person(last, first, middle, sex)
                # the shape of data/README.md: about a third of pupils on «4» and «5», a few failing
                x = r.random()
                base = 4.5 if x < 0.33 else (3.95 if x < 0.8 else 3.45)
                # primary school marks higher; grades 10–11 are those who chose to stay after the 9th
                pp.mu = base + (0.15 if c.grade <= 4 else 0.1 if c.grade >= 10 else 0) + r.gauss(0, 0.12)
                pp.mus = {s: pp.mu + r.gauss(0, 0.22) for s, _ in K.CURRICULUM[c.grade]}
                y = r.random()
                pp.ill = 0.8 if y < 0.3 else (2.0 if y < 0.8 else 3.5)
                pp.truancy = (0.003 if c.grade <= 4 else 0.008 if c.grade <= 8 else 0.012) * (1.6 if base < 3.5 else 1)
                pp.exempt_pe = c.grade >= 2 and r.random() < 0.015
                pp.truant = c.grade >= 6 and r.random() < 0.03  # skips whole days, a week at a time
                pp.family = family
                birth = date(cal.start_year - c.grade - 7, 3, 1) + timedelta(days=r.randint(0, 364))
                demo_parent_family = demo_student
                entered = cal.start_year - (c.grade - 1)
                arrived = date(entered, 9, 1)
                since = max(arrived, EJ_START)
                issued_by = ct_user if entered == cal.start_year else self.admin_user
                # guardians: created once per family, when its first child came
                if not family["guardians"]:
                    for relation, person in family["people"]:
                        gid = ctx.ids("guardian")
                        is_demo_parent = demo_parent_family and not family["guardians"]
                        g_issued = self.at(self.working_days_after(since, self.credential_delay()),
                                           r.uniform(600, 1100))
                        uid = self.new_user(person, kind="parent", since=since,
                                            login="parent" if is_demo_parent else None, issued=g_issued,
                                            issued_by=issued_by, demo_role="parent" if is_demo_parent else None)
                        self.add(M.Guardian, id=gid, school_id=self.school_id, user_id=uid, last_name=person.last,
                                 first_name=person.first, middle_name=person.middle,
                                 phone=self._user_rows[uid]["phone"], email=self._user_rows[uid]["email"])
                        self.grant(uid, "parent")
                        family["guardians"].append((gid, person, uid, relation))
                parent_name = f"{family['guardians'][0][1].full} (законный представитель)"
                issued = self.at(self.working_days_after(since, self.credential_delay()), r.uniform(600, 1000))
                pp.user_id = self.new_user(pp.person, kind="pupil", since=since,
                                           login="student" if demo_student else None, issued=issued,
                                           issued_by=issued_by, recipient=parent_name,
                                           reset_recipient="" if c.grade >= 5 else parent_name,
                                           demo_role="student" if demo_student else None)
                self.add(M.Student, id=pp.id, school_id=self.school_id, user_id=pp.user_id, last_name=last,
                         first_name=first, middle_name=middle, birth_date=birth, sex=sex, snils=self.snils(),
                         arrived_on=arrived, created_at=self.user_created(pp.user_id))
                self.grant(pp.user_id, "student")
                self.add(M.Enrollment, id=ctx.ids("enrollment"), school_id=self.school_id, student_id=pp.id,
                         class_id=self.class_ids[c.index], starts_on=cal.starts_on,
                         order_number=self.order(cal.starts_on),
                         reason="enrolled" if c.grade == 1 else "promoted")
                if c.grade >= 2:
                    self.add(M.Enrollment, id=ctx.ids("enrollment"), school_id=self.school_id, student_id=pp.id,
                             class_id=self.prev_class_ids[(c.grade - 1, c.letter)], starts_on=self.prev.starts_on,
                             ends_on=self.prev.ends_on,
                             order_number=self.order(self.prev.starts_on),
                             reason="enrolled" if c.grade == 2 else "promoted")
                for gid, person, uid, relation in family["guardians"]:
                    self.add(M.StudentGuardian, id=ctx.ids("studentguardian"), school_id=self.school_id,
                             student_id=pp.id, guardian_id=gid, relation=relation)
                pp.guardians = family["guardians"]
                if r.random() < 0.93 or demo_student:
                    given = since + timedelta(days=r.randint(-7, 9))
                    self.add(M.Consent, id=ctx.ids("consent"), school_id=self.school_id, student_id=pp.id,
                             guardian_id=pp.guardians[0][0], given_on=min(given, ctx.today),
                             document=f"Согласие на обработку персональных данных от {min(given, ctx.today):%d.%m.%Y}",
                             recorded_by_user_id=secretary)
                self.pupils.append(pp)
                self.roster[c.index].append(pp)
        ctx.stats["students"] += len(self.pupils)
        # the diary last opened at the last sign-in (what the diary shows as new since then)
        for pp in self.pupils:
            viewers = [pp.user_id] + [uid for _, _, uid, _ in pp.guardians]
            for uid in viewers:
                seen = self._user_rows[uid]["last_login_at"]
                if seen is not None:
                    self.add(M.DiaryVisit, id=ctx.ids("diaryvisit"), school_id=self.school_id, user_id=uid,
                             student_id=pp.id, seen_at=seen)

    def order(self, year_start: date) -> str:
        """The number of the enrolment order, signed just before the school year."""
        return f"№ {self.rng.randint(40, 180)}-у от {(year_start - timedelta(days=2)):%d.%m.%Y}"

    def credential_delay(self) -> int:
        """Working days from arrival to the hand-over of credentials: mostly within the 10 allowed."""
        r = self.rng
        return r.randint(1, 10) if r.random() < 0.88 else r.randint(11, 25)

    def new_family(self) -> dict:
        f, r = self.fake, self.rng
        surname = f.last_name_male()
        father = f.random_element(list(K.FATHERS))
        people = []
        x = r.random()
        mother = Person(K.female_surname(surname) if r.random() < 0.9 else f.last_name_female(),
                        f.random_element(K.WOMEN), f.middle_name_female(), "ж")
        dad = Person(surname, father, f.middle_name_male(), "м")
        if x < 0.68:
            people = [("мать", mother), ("отец", dad)] if r.random() < 0.7 else [("отец", dad), ("мать", mother)]
        elif x < 0.9:
            people = [("мать", mother)]
        elif x < 0.96:
            people = [("отец", dad)]
        else:
            grandma = Person(K.female_surname(surname), f.random_element(["Галина", "Людмила", "Нина", "Валентина",
                                                                         "Татьяна", "Ольга"]),
                             f.middle_name_female(), "ж")
            people = [("опекун", grandma)]
        return {"surname": surname, "father": father, "people": people, "guardians": [], "classes": set()}

    def snils(self) -> str:
        r = self.rng
        while True:
            digits = [r.randint(0, 9) for _ in range(9)]
            number = int("".join(map(str, digits)))
            if number > 1001998:
                break
        s = sum(d * (9 - i) for i, d in enumerate(digits))
        check = s if s < 100 else (0 if s in (100, 101) else s % 101)
        check = 0 if check == 100 else check
        t = "".join(map(str, digits))
        return f"{t[:3]}-{t[3:6]}-{t[6:]} {check:02d}"

    def stage_study(self) -> None:
        ctx, r = self.ctx, self.rng
        sid = self.school_id
        start = self.cal.starts_on
        # subgroups and their members
        self.subgroup_ids: dict[tuple[int, str, int], int] = {}
        self.sg_roster: dict[tuple[int, str, int], list[Pupil]] = {}
        for c in self.classes:
            pupils = sorted(self.roster[c.index], key=lambda p: (p.person.last, p.person.first, p.id))
            for subject, _ in K.CURRICULUM[c.grade]:
                if not is_split(subject, c.grade):
                    continue
                half = (len(pupils) + 1) // 2
                groups = {1: pupils[:half], 2: pupils[half:]}
                if subject == "Труд (технология)":
                    boys = [p for p in pupils if p.person.sex == "м"]
                    girls = [p for p in pupils if p.person.sex == "ж"]
                    if min(len(boys), len(girls)) >= 9:
                        groups = {1: boys, 2: girls}
                for no in (1, 2):
                    gid = ctx.ids("subgroup")
                    self.subgroup_ids[(c.index, subject, no)] = gid
                    self.sg_roster[(c.index, subject, no)] = groups[no]
                    self.add(M.Subgroup, id=gid, school_id=sid, class_id=self.class_ids[c.index],
                             subject_id=self.subject_ids[subject], name=f"{no} группа")
                    for p in groups[no]:
                        p.sg[subject] = no
                        self.add(M.SubgroupMember, id=ctx.ids("subgroupmember"), school_id=sid, subgroup_id=gid,
                                 student_id=p.id, starts_on=start)
        # curriculum, this year and last
        for c in self.classes:
            for subject, hours in K.CURRICULUM[c.grade]:
                self.add(M.CurriculumItem, id=ctx.ids("curriculumitem"), school_id=sid,
                         class_id=self.class_ids[c.index], subject_id=self.subject_ids[subject],
                         hours_per_week=float(hours), no_attestation=subject in K.NO_ATTESTATION or c.grade == 1,
                         marking="pass_fail" if subject in K.PASS_FAIL else "five",
                         split=is_split(subject, c.grade))
        for (g, letter), cid in self.prev_class_ids.items():
            for subject, hours in K.CURRICULUM[g]:
                self.add(M.CurriculumItem, id=ctx.ids("curriculumitem"), school_id=sid, class_id=cid,
                         subject_id=self.subject_ids[subject], hours_per_week=float(hours),
                         no_attestation=subject in K.NO_ATTESTATION or g == 1,
                         marking="pass_fail" if subject in K.PASS_FAIL else "five", split=is_split(subject, g))
        # teaching assignments
        self.teacher_of: dict[tuple[int, str, int | None], int] = {}
        self.teaches: list[set[str]] = [set(t.subjects) for t in self.plan.teachers]
        for (ci, subject), pairs in self.plan.assignments.items():
            for no, t in pairs:
                self.teacher_of[(ci, subject, no)] = t
                self.add(M.TeachingAssignment, id=ctx.ids("teachingassignment"), school_id=sid,
                         class_id=self.class_ids[ci], subject_id=self.subject_ids[subject],
                         subgroup_id=self.subgroup_ids.get((ci, subject, no)) if no else None,
                         teacher_id=self.staff_ids[t])
        # timetable
        self.slots = []
        for ci, subject, no, t, weekday, number in self.plan.slots:
            i = ctx.ids("timetableslot")
            sgid = self.subgroup_ids.get((ci, subject, no)) if no else None
            room = self.plan.teachers[t].room
            self.add(M.TimetableSlot, id=i, school_id=sid, class_id=self.class_ids[ci], subgroup_id=sgid,
                     subject_id=self.subject_ids[subject], teacher_id=self.staff_ids[t], weekday=weekday,
                     lesson_number=number, room=room, valid_from=start)
            self.slots.append((i, ci, subject, no, sgid, t, weekday, number, room))
        # КТП: one plan per parallel and subject
        self.planned: dict[tuple[int, str], list[tuple[int, str, str]]] = {}
        for g in range(1, 12):
            first_class = self.class_index(g, LETTERS[0])
            for subject, hours in K.CURRICULUM[g]:
                # the КТП's dates: the lessons of the parallel's first class, in the order of the calendar
                weekdays = [s[6] for s in self.slots if s[1] == first_class and s[2] == subject and s[3] in (None, 1)]
                dates = [d for d in self.cal.school_days for w in sorted(weekdays) if d.weekday() + 1 == w]
                pid = ctx.ids("lessonplan")
                self.add(M.LessonPlan, id=pid, school_id=sid, year_id=self.year_id,
                         subject_id=self.subject_ids[subject], grade=g, name=f"{subject}, {g} класс")
                topics = []
                for number, (text, kind) in enumerate(self.plan_topics(subject, g, hours * (33 if g == 1 else 34)), 1):
                    tid = ctx.ids("plannedtopic")
                    self.add(M.PlannedTopic, id=tid, school_id=sid, plan_id=pid, number=number, topic=text,
                             hours=1.0, work_kind=kind, planned_on=dates[number - 1] if number <= len(dates) else None)
                    topics.append((tid, text, kind))
                self.planned[(g, subject)] = topics

    def plan_topics(self, subject: str, grade: int, n: int) -> list[tuple[str, str]]:
        allt = K.topics_for(subject, grade)
        band_grades = [g for g in range(1, 12) if K.band(g) == K.band(grade)
                       and any(s == subject for s, _ in K.CURRICULUM[g])]
        i, b = band_grades.index(grade), len(band_grades)
        chunk = allt[i * len(allt) // b:(i + 1) * len(allt) // b] or allt
        kinds = K.PLAN_WORK_KINDS.get(subject, []) if grade >= 2 else []
        variants = K.TOPIC_VARIANTS_HUM if subject in K.HUMANITIES else K.TOPIC_VARIANTS
        body = n - 2
        out: list[tuple[str, str]] = []
        per = body / len(chunk)
        lab_no = prac_no = 0
        for j, topic in enumerate(chunk):
            m = int(round(per * (j + 1))) - int(round(per * j))
            block = []
            for q in range(m):
                v = variants[q % len(variants)] if q else ""
                block.append((f"{topic}. {v}" if v else topic, ""))
            if m >= 3 and "лабораторная" in kinds:
                lab_no += 1
                block[m // 2] = (f"Лабораторная работа № {lab_no}. {topic}", "лабораторная")
            elif m >= 3 and "практическая" in kinds:
                prac_no += 1
                block[m // 2] = (f"Практическая работа № {prac_no}. {topic}", "практическая")
            if m >= 4 and "контрольная" in kinds:
                block[-1] = (f"Контрольная работа по теме «{topic}»", "контрольная")
            out.extend(block)
        if "контрольная" in kinds:
            out.append(("Итоговая контрольная работа", "контрольная"))
        else:
            out.append(("Повторение изученного за год", ""))
        out.append(("Обобщение и систематизация изученного за год", ""))
        return out[:n]

    # --- lessons, substitutions, topics -------------------------------------------------
    def stage_lessons(self) -> None:
        ctx, r = self.ctx, self.rng
        sid = self.school_id
        now, today = ctx.now, ctx.today
        by_weekday: dict[int, list] = {}
        for s in self.slots:
            by_weekday.setdefault(s[6], []).append(s)
        for v in by_weekday.values():
            v.sort(key=lambda s: (s[7], s[1], s[3] or 0))
        period_of = {}
        for p in self.cal.periods:
            d = p.starts_on
            while d <= p.ends_on:
                period_of[d] = p.number
                d += timedelta(days=1)
        self.lessons: list[Lesson] = []
        self.period_len: dict[tuple, int] = {}
        seq: dict[tuple, int] = {}
        pids = {n: self.period_ids[(self.cal.start_year, n)] for n in range(1, 5)}
        busy: dict[tuple[date, int], set[int]] = {}
        first = ctx.ids("lesson", 0)
        lid = first
        for day in self.cal.school_days:
            pn = period_of[day]
            for (slot_id, ci, subject, no, sgid, t, weekday, number, room) in by_weekday.get(day.weekday() + 1, ()):
                smin, emin, st, et = self.bells[number]
                L = Lesson()
                L.id, L.c, L.sg, L.sgid, L.subj, L.t = lid, ci, no, sgid, subject, t
                L.day, L.num, L.period = day, number, pn
                L.start_min, L.end_min = smin, emin
                L.start, L.end = self.at(day, smin), self.at(day, emin)
                key = (ci, no, subject)
                L.seq = seq.get(key, 0)
                seq[key] = L.seq + 1
                pk = (ci, no, subject, pn)
                self.period_len[pk] = self.period_len.get(pk, 0) + 1
                L.held = L.end < now
                L.sub = None
                topics = self.planned[(self.classes[ci].grade, subject)]
                ptid = topics[min(L.seq, len(topics) - 1)][0]
                L.row = {"id": lid, "school_id": sid, "class_id": self.class_ids[ci], "subgroup_id": sgid,
                         "subject_id": self.subject_ids[subject], "teacher_id": self.staff_ids[t],
                         "period_id": pids[pn], "slot_id": slot_id, "lesson_date": day, "lesson_number": number,
                         "starts_at": st, "ends_at": et, "room": room, "status": "scheduled", "held": False,
                         "topic": "", "planned_topic_id": ptid, "topic_entered_at": None, "attendance_taken_at": None,
                         "comment": "", "version": 1}
                self.lessons.append(L)
                if day <= today:
                    busy.setdefault((day, number), set()).add(t)
                lid += 1
        ctx.ids("lesson", lid - first)
        ctx.stats["lessons"] += len(self.lessons)
        self.substitutions(busy)
        # a few lessons cancelled (a trip, quarantine, an event): about one in 250
        for L in self.lessons:
            if L.held and L.row["status"] == "scheduled" and L.sub is None and r.random() < 0.004:
                L.row["status"] = "cancelled"
        # topics of the lessons held
        for L in self.lessons:
            if not L.held or L.row["status"] in ("missed", "cancelled"):
                L.held = False
                continue
            topics = self.planned[(self.classes[L.c].grade, L.subj)]
            x = r.random()
            if x < 0.78:
                when = L.start + timedelta(minutes=r.uniform(2, 44))
            elif x < 0.92:
                when = L.end + timedelta(minutes=r.uniform(30, 360))
            else:
                when = self.at(L.day + timedelta(days=r.randint(1, 6)), r.uniform(960, 1320))
            L.row["held"] = True
            if when <= now:  # else: held, the topic not filled in yet
                L.row.update(topic=topics[min(L.seq, len(topics) - 1)][1], topic_entered_at=when)

    def substitutions(self, busy: dict[tuple[date, int], set[int]]) -> None:
        ctx, r = self.ctx, self.rng
        days = [d for d in self.cal.school_days if d <= ctx.today]
        if not days:
            return
        by_teacher_day: dict[tuple[int, date], list[Lesson]] = {}
        for L in self.lessons:
            if L.day <= ctx.today:
                by_teacher_day.setdefault((L.t, L.day), []).append(L)
        reasons = ["Болезнь учителя", "Болезнь учителя", "Болезнь учителя", "Курсы повышения квалификации",
                   "Семейные обстоятельства", "Участие в работе жюри олимпиады"]
        fraction = len(days) / len(self.cal.school_days)
        n_teachers = len(self.plan.teachers)
        all_teachers = list(range(n_teachers))
        for t in range(n_teachers):
            episodes = sum(1 for _ in range(3) if r.random() < 0.3 * fraction)
            for _ in range(episodes):
                start = r.randrange(len(days))
                length = r.choice([1, 1, 2, 2, 3, 3, 4, 5])
                reason = r.choice(reasons)
                for d in days[start:start + length]:
                    for L in by_teacher_day.get((t, d), ()):
                        if L.sub is not None:
                            continue
                        free = busy.setdefault((d, L.num), set())
                        grade = self.classes[L.c].grade
                        same = [u for u in all_teachers if u != t and u not in free and L.subj in self.teaches[u]
                                and (self.plan.teachers[u].spec != "primary" or grade <= 4)]
                        other = [u for u in all_teachers if u != t and u not in free
                                 and (self.plan.teachers[u].spec == "primary") == (grade <= 4)]
                        if r.random() < 0.08 or not (same or other):
                            sub = None
                        elif same and (r.random() < 0.85 or not other):
                            sub = r.choice(same)
                        else:
                            sub = r.choice(other)
                        L.sub = (t, sub)
                        if sub is None:
                            L.row["status"] = "missed"
                        else:
                            free.add(sub)
                            L.t = sub
                            L.row["teacher_id"] = self.staff_ids[sub]
                        if r.random() < 0.6:
                            made = self.at(d, r.uniform(450, 500))
                        else:
                            made = self.at(d - timedelta(days=1 if d.weekday() else 3), r.uniform(840, 1080))
                        deputy = self.deputy_for_grade.get(grade, self.role_users["director"])
                        self.add(M.Substitution, id=ctx.ids("substitution"), school_id=self.school_id,
                                 lesson_id=L.id, absent_teacher_id=self.staff_ids[t],
                                 substitute_teacher_id=self.staff_ids[sub] if sub is not None else None,
                                 same_subject=sub is not None and L.subj in self.teaches[sub], reason=reason,
                                 created_at=self.past(made), created_by_user_id=deputy)

    # --- attendance ---------------------------------------------------------------------
    def stage_attendance(self) -> None:
        ctx, r = self.ctx, self.rng
        sid = self.school_id
        now = ctx.now
        by_class_day: dict[tuple[int, date], list[Lesson]] = {}
        for L in self.lessons:
            if L.held:
                by_class_day.setdefault((L.c, L.day), []).append(L)
        days = self.cal.school_days
        winter = [1.5 if d.month in (11, 12, 1, 2, 3) else 1.0 for d in days]
        cum = []
        acc = 0.0
        for w in winter:
            acc += w
            cum.append(acc)
        self.absent: dict[int, set[int]] = {}
        entry: dict[int, datetime] = {}
        rows = []
        seen = set()

        def entered(L: Lesson) -> datetime:
            when = entry.get(L.id)
            if when is None:
                x = r.random()
                if x < 0.85:
                    when = L.start + timedelta(minutes=r.uniform(3, 35))
                elif x < 0.95:
                    when = L.end + timedelta(minutes=r.uniform(30, 900))
                else:
                    when = self.at(L.day + timedelta(days=r.randint(3, 6)), r.uniform(900, 1290))
                entry[L.id] = when
            return when

        def mark(pp: Pupil, L: Lesson, status: str) -> None:
            key = (L.id, pp.id)
            if key in seen:
                return
            seen.add(key)
            if status != "late":
                self.absent.setdefault(L.id, set()).add(pp.id)
            when = entered(L) + timedelta(seconds=r.randint(0, 50))
            if when > now:
                return
            rows.append({"id": 0, "school_id": sid, "lesson_id": L.id, "student_id": pp.id, "status": status,
                         "entered_at": when, "entered_by_user_id": self.teacher_user[L.t], "version": 1})

        def lessons_of(pp: Pupil, day: date) -> list[Lesson]:
            return [L for L in by_class_day.get((pp.c, day), ()) if L.sg is None or pp.sg.get(L.subj) == L.sg]

        # every lesson held has its attendance taken (no row = present), mostly during the lesson
        for L in self.lessons:
            if L.held:
                when = entered(L)
                if when <= now:
                    L.row["attendance_taken_at"] = when
        held_days = [d for d in days if d <= ctx.today]
        n_days = len(days)
        for pp in self.pupils:
            # illness: whole days, several in a row
            for _ in range(self.poisson(pp.ill)):
                start = self.weighted_index(cum)
                for d in days[start:start + r.choice([2, 3, 3, 4, 4, 5, 5, 6, 7, 8])]:
                    for L in lessons_of(pp, d):
                        mark(pp, L, "ill")
            # excused: family reasons, competitions
            for _ in range(self.poisson(0.7)):
                start = r.randrange(n_days)
                for d in days[start:start + r.choice([1, 1, 2])]:
                    for L in lessons_of(pp, d):
                        mark(pp, L, "excused")
            if not held_days:
                continue
            if pp.truant:  # whole days without a reason, about twice a quarter
                for _ in range(1 + self.poisson(len(held_days) / 25)):
                    start = r.randrange(len(held_days))
                    for d in held_days[start:start + r.randint(4, 8)]:
                        for L in lessons_of(pp, d):
                            mark(pp, L, "absent")
            per_day = 5 if pp.grade <= 4 else 6
            total = len(held_days) * per_day
            for _ in range(self.poisson(total * pp.truancy)):
                ls = lessons_of(pp, r.choice(held_days))
                if ls:
                    mark(pp, r.choice(ls[1:] or ls), "absent")
            for _ in range(self.poisson(total * 0.01)):
                ls = lessons_of(pp, r.choice(held_days))
                if ls:
                    mark(pp, ls[0] if r.random() < 0.65 else r.choice(ls), "late")
        rows.sort(key=lambda x: (x["lesson_id"], x["student_id"]))
        first = ctx.ids("attendance", len(rows))
        for i, row in enumerate(rows):
            row["id"] = first + i
        self.out["attendance"] = rows
        ctx.stats["attendance"] += len(rows)

    def poisson(self, lam: float) -> int:
        if lam <= 0:
            return 0
        if lam > 30:
            return max(0, int(round(self.rng.gauss(lam, math.sqrt(lam)))))
        limit, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= limit:
                return k
            k += 1

    def weighted_index(self, cum: list[float]) -> int:
        return min(len(cum) - 1, bisect.bisect_left(cum, self.rng.random() * cum[-1]))

    # --- works and marks ----------------------------------------------------------------
    def roster_of(self, L: Lesson) -> list[Pupil]:
        if L.sg is None:
            return self.roster[L.c]
        return self.sg_roster[(L.c, L.subj, L.sg)]

    def work_time(self, L: Lesson, days: int) -> datetime:
        r = self.rng
        x = r.random()
        if days == 0:
            if x < 0.55:
                return L.start + timedelta(minutes=r.uniform(10, 60))
            if x < 0.92:
                return L.end + timedelta(minutes=r.uniform(20, max(30, 1255 - L.end_min)))
            return self.at(L.day + timedelta(days=r.randint(1, 4)), r.uniform(420, 1380))
        if x < 0.15:
            return L.end + timedelta(minutes=r.uniform(60, max(90, 1255 - L.end_min)))
        if x < 0.9:
            return self.at(L.day + timedelta(days=r.randint(1, days)), r.uniform(900, 1290))
        return self.at(L.day + timedelta(days=days + r.randint(1, 5)), r.uniform(900, 1320))

    def stage_marks(self) -> None:
        ctx, r = self.ctx, self.rng
        sid, now = self.school_id, ctx.now
        gauss, rand = r.gauss, r.random
        works, marks = [], []
        self.acc: dict[tuple[int, str, int], list[float]] = {}
        acc = self.acc
        self.last_lesson: dict[tuple, tuple[Lesson, list]] = {}  # group key → (lesson, [default work id])
        queues: dict[tuple, list] = {}
        wid = ctx.ids("work", 0)
        mid = ctx.ids("mark", 0)
        wt = self.work_types
        hours = {(g, s): h for g in range(1, 12) for s, h in K.CURRICULUM[g]}
        extra_p = 0.085
        first_pe: set[tuple] = set()
        for L in self.lessons:
            if not L.held:
                continue
            grade = self.classes[L.c].grade
            if grade == 1 or L.subj in K.NO_CURRENT_MARKS:
                continue
            subj = L.subj
            user = self.teacher_user[L.t]
            roster = self.roster_of(L)
            absent = self.absent.get(L.id, ())
            present = [p for p in roster if p.id not in absent]
            gkey = (L.c, L.sg, subj, L.period)
            h = hours[(grade, subj)]
            topics = self.planned[(grade, subj)]
            kind = topics[min(L.seq, len(topics) - 1)][2]
            second = K.WORK_KIND_TYPE.get(kind)
            title = topics[min(L.seq, len(topics) - 1)][1] if second else ""
            if second is None and subj != "Физическая культура" and rand() < extra_p:
                options = K.EXTRA_WORKS.get(subj, K.EXTRA_WORKS["_default"])
                if grade <= 4:
                    options = [o for o in options if o[0] not in ("Сочинение",)] or options
                total = sum(w for _, w in options)
                x = rand() * total
                for name, w in options:
                    x -= w
                    if x <= 0:
                        second = name
                        break
                title = second
            default_ids: list[int] = []
            # the default work: a few pupils asked, spread evenly over the period
            m_target = 1.5 + 1.6 * min(h, 5) + (1.0 if subj == "Физическая культура" else 0)
            k_mean = len(roster) * m_target / self.period_len[gkey]
            if second in K.WHOLE_CLASS_WORKS:
                k_mean = k_mean * 0.3 if rand() < 0.3 else 0
            k = 0 if rand() < 0.07 else max(0, int(round(k_mean + gauss(0, 0.9))))
            exempt = subj == "Физическая культура"
            chosen: list[Pupil] = []
            if k and present:
                q = queues.get(gkey)
                if q is None:
                    order = list(roster)
                    r.shuffle(order)
                    q = queues[gkey] = [order, 0]
                order, pos = q
                tries = 0
                while len(chosen) < k and tries < len(order):
                    p = order[pos]
                    pos += 1
                    tries += 1
                    if pos == len(order):
                        r.shuffle(order)
                        pos = 0
                    if p.id in absent or (exempt and p.exempt_pe):
                        continue
                    chosen.append(p)
                q[1] = pos
            osv = []
            if exempt and (gkey not in first_pe):
                first_pe.add(gkey)
                osv = [p for p in present if p.exempt_pe]
            if chosen or osv:
                when = self.work_time(L, 0)
                if when <= now:
                    w_id = wid
                    wid += 1
                    default_ids.append(w_id)
                    works.append({"id": w_id, "school_id": sid, "lesson_id": L.id, "work_type_id": self.default_wt,
                                  "title": "", "created_at": when})
                    for p in chosen:
                        v = p.mus[subj] + gauss(0, 0.8)
                        n = 5 if v >= 4.5 else 4 if v >= 3.5 else 3 if v >= 2.5 else 2 if v >= 0.9 else 1
                        when += timedelta(seconds=3 + 40 * rand())
                        marks.append({"id": mid, "school_id": sid, "work_id": w_id, "student_id": p.id,
                                      "position": 0, "value": _VAL[n], "numeric": n, "entered_at": min(when, now),
                                      "entered_by_user_id": user, "updated_at": None, "version": 1})
                        mid += 1
                        a = acc.get((p.id, subj, L.period))
                        if a is None:
                            acc[(p.id, subj, L.period)] = [1.0, float(n), 1]
                        else:
                            a[0] += 1.0
                            a[1] += n
                            a[2] += 1
                    for p in osv:
                        when += timedelta(seconds=3 + 20 * rand())
                        marks.append({"id": mid, "school_id": sid, "work_id": w_id, "student_id": p.id,
                                      "position": 0, "value": "осв", "numeric": None, "entered_at": min(when, now),
                                      "entered_by_user_id": user, "updated_at": None, "version": 1})
                        mid += 1
            self.last_lesson[gkey] = (L, default_ids)
            if second is None:
                continue
            wt_id, weight, days = wt[second]
            when = self.work_time(L, days)
            w_id = wid
            wid += 1
            entered = when <= now
            works.append({"id": w_id, "school_id": sid, "lesson_id": L.id, "work_type_id": wt_id,
                          "title": title[:200], "created_at": when if entered else L.start})
            if not entered:
                continue
            if second in K.WHOLE_CLASS_WORKS:
                who = [p for p in present if rand() < 0.97 and not (exempt and p.exempt_pe)]
            else:
                who = r.sample(present, min(len(present), r.randint(4, 9)))
            hard = -0.2 if second == "Контрольная работа" else 0.0
            double = second in K.DOUBLE_MARK_WORKS
            for p in who:
                v = p.mus[subj] + hard + gauss(0, 0.85)
                n = 5 if v >= 4.5 else 4 if v >= 3.5 else 3 if v >= 2.5 else 2 if v >= 0.9 else 1
                when += timedelta(seconds=5 + 60 * rand())
                marks.append({"id": mid, "school_id": sid, "work_id": w_id, "student_id": p.id, "position": 0,
                              "value": _VAL[n], "numeric": n, "entered_at": min(when, now), "entered_by_user_id": user,
                              "updated_at": None, "version": 1})
                mid += 1
                vals = [n]
                if double:
                    n2 = max(2, min(5, n + r.choice((-1, 0, 0, 1)) if rand() < 0.7 else n - 1))
                    marks.append({"id": mid, "school_id": sid, "work_id": w_id, "student_id": p.id,
                                  "position": 1, "value": _VAL[n2], "numeric": n2, "entered_at": min(when, now),
                                  "entered_by_user_id": user, "updated_at": None, "version": 1})
                    mid += 1
                    vals.append(n2)
                key = (p.id, subj, L.period)
                a = acc.get(key)
                if a is None:
                    a = acc[key] = [0.0, 0.0, 0]
                for n in vals:
                    a[0] += weight
                    a[1] += weight * n
                    a[2] += 1
        ctx.ids("work", wid - ctx.next_id["work"])
        ctx.ids("mark", mid - ctx.next_id["mark"])
        self.out["work"] = works
        self.out["mark"] = marks
        ctx.stats["marks"] += len(marks)

    # --- homework ------------------------------------------------------------------------
    def next_lesson_days(self) -> dict[int, date]:
        """Lesson id → the day of the next lesson of its subject for its class or subgroup (the
        homework's default due date, as services/journal/lessons.py computes it)."""
        days = defaultdict(set)
        for L in self.lessons:
            if L.row["status"] == "scheduled":
                days[(L.row["class_id"], L.row["subject_id"], L.row["subgroup_id"])].add(L.day)
        ordered = {key: sorted(v) for key, v in days.items()}
        out = {}
        for L in self.lessons:
            key = (L.row["class_id"], L.row["subject_id"], L.row["subgroup_id"])
            own = ordered.get(key, [])
            whole = ordered.get(key[:2] + (None,), []) if key[2] is not None else []
            later = own[bisect.bisect_right(own, L.day):][:1] + whole[bisect.bisect_right(whole, L.day):][:1]
            if later:
                out[L.id] = min(later)
        return out

    def stage_homework(self) -> None:
        ctx, r = self.ctx, self.rng
        sid, now = self.school_id, ctx.now
        rows, misses = [], []
        hid = ctx.ids("homework", 0)
        rand = r.random
        minutes = {2: (10, 25), 3: (10, 25), 4: (10, 30), 5: (15, 35), 6: (15, 35), 7: (15, 45), 8: (15, 45),
                   9: (20, 45), 10: (20, 60), 11: (20, 60)}
        due_on = self.next_lesson_days()
        for L in self.lessons:
            if not L.held:
                continue
            grade = self.classes[L.c].grade
            if grade == 1 or rand() > K.HOMEWORK_SHARE.get(L.subj, 0.9):
                continue
            templates = K.HOMEWORK.get(L.subj, K.HOMEWORK["_default"])
            tpl = templates[r.randrange(len(templates))]
            p = 4 + L.seq * 2 + r.randint(0, 2)
            n = 10 + L.seq * 3 + r.randint(0, 4)
            k = 1 + L.seq // 3
            text = tpl.format(p=p, p2=p + 2, n=n, n2=n + 2, n3=n + 5, k=k)
            pages = f"с. {p}" if "{p" in tpl else ""
            tasks = (f"№ {n}" if "№" in tpl else f"упр. {n}") if "{n" in tpl else ""
            if rand() < 0.88:
                when = L.end + timedelta(minutes=r.uniform(-40, 170))
            else:
                when = L.end + timedelta(minutes=r.uniform(190, 1800))
            if when > now:
                continue
            lo, hi = minutes[grade]
            rows.append({"id": hid, "school_id": sid, "lesson_id": L.id, "text": text, "pages": pages,
                         "tasks": tasks, "minutes": r.randrange(lo, hi + 1, 5), "attachment_id": None,
                         "due_on": due_on.get(L.id),
                         "entered_at": when, "entered_by_user_id": self.teacher_user[L.t], "version": 1})
            if rand() < 0.03:
                roster = self.roster_of(L)
                for pp in r.sample(roster, min(len(roster), r.randint(1, 3))):
                    missed_at = self.at(L.day + timedelta(days=r.randint(1, 7)), r.uniform(540, 900))
                    if missed_at <= now:
                        misses.append({"id": 0, "school_id": sid, "homework_id": hid, "student_id": pp.id,
                                       "entered_at": missed_at})
            hid += 1
        ctx.ids("homework", hid - ctx.next_id["homework"])
        first = ctx.ids("homeworkmiss", len(misses))
        for i, m in enumerate(misses):
            m["id"] = first + i
        self.out["homework"] = rows
        self.out["homeworkmiss"] = misses

    # --- period and annual marks -------------------------------------------------------
    def stage_period_marks(self) -> None:
        ctx, r = self.ctx, self.rng
        sid = self.school_id
        ended = [p for p in self.cal.periods if p.ends_on < ctx.today]
        complete = len(ended) == len(self.cal.periods)
        rows, extra_works, extra_marks = [], [], []
        for pp in self.pupils:
            if pp.grade == 1:
                continue
            for subject, _ in K.CURRICULUM[pp.grade]:
                if subject in K.NO_ATTESTATION:
                    continue
                no = pp.sg.get(subject)
                t = self.teacher_of[(pp.c, subject, no)]
                user = self.teacher_user[t]
                values = []
                for per in ended:
                    a = self.acc.get((pp.id, subject, per.number))
                    if subject in K.PASS_FAIL:
                        value, numeric = "зач", None
                    elif subject == "Физическая культура" and pp.exempt_pe:
                        value, numeric = "осв", None
                    elif a is None or a[2] == 0:
                        value, numeric = "н/а", None
                        self.na_mark(pp, subject, no, per.number, user, extra_works, extra_marks)
                    else:
                        numeric = self.period_value(a[1] / a[0])
                        value = _VAL[numeric]
                    values.append((value, numeric))
                    when = self.past(self.at(per.ends_on - timedelta(days=r.randint(0, 3)), r.uniform(840, 1230)))
                    rows.append({"id": 0, "school_id": sid, "year_id": self.year_id, "student_id": pp.id,
                                 "subject_id": self.subject_ids[subject], "class_id": self.class_ids[pp.c],
                                 "period_id": self.period_ids[(self.cal.start_year, per.number)], "kind": "period",
                                 "value": value, "numeric": numeric, "entered_at": when,
                                 "entered_by_user_id": user, "version": 1})
                if complete:
                    nums = [n for _, n in values if n is not None]
                    if nums:
                        numeric = max(2, min(5, int(sum(nums) / len(nums) + 0.5)))
                        value = _VAL[numeric]
                    else:
                        value, numeric = values[-1][0], None
                    when = self.past(self.at(self.cal.periods[-1].ends_on + timedelta(days=r.randint(0, 3)),
                                             r.uniform(600, 1080)))
                    rows.append({"id": 0, "school_id": sid, "year_id": self.year_id, "student_id": pp.id,
                                 "subject_id": self.subject_ids[subject], "class_id": self.class_ids[pp.c],
                                 "period_id": None, "kind": "annual", "value": value, "numeric": numeric,
                                 "entered_at": when, "entered_by_user_id": user, "version": 1})
        first = ctx.ids("periodmark", len(rows))
        for i, row in enumerate(rows):
            row["id"] = first + i
        self.out["periodmark"] = rows
        self.out["work"] = extra_works
        self.out["mark"] = extra_marks
        ctx.stats["marks"] += len(extra_marks)

    def period_value(self, avg: float) -> int:
        """A teacher's period mark: mostly the rounded weighted average; near the boundary one in
        four goes the other way (the teacher weighs the tests, the last marks); an average just
        under 2,5 is given a «3» half the time."""
        r = self.rng
        numeric = max(2, min(5, int(avg + 0.5)))
        frac = avg - int(avg)
        if 2.2 <= avg < 2.5 and r.random() < 0.5:
            return 3
        if abs(frac - 0.5) < 0.12 and r.random() < 0.25:
            other = numeric + (1 if frac < 0.5 else -1)
            if 3 <= other <= 5:  # never failed by the teacher's judgement alone
                numeric = other
        return numeric

    def na_mark(self, pp: Pupil, subject: str, no, period: int, user: int, works: list, marks: list) -> None:
        """«н/а» in the last lesson of the period for a pupil with no mark at all."""
        found = self.last_lesson.get((pp.c, no, subject, period))
        if not found:
            return
        L, default_ids = found
        ctx = self.ctx
        when = self.past(L.end + timedelta(minutes=self.rng.uniform(30, 300)))
        if not default_ids:
            w = ctx.ids("work")
            default_ids.append(w)
            works.append({"id": w, "school_id": self.school_id, "lesson_id": L.id, "work_type_id": self.default_wt,
                          "title": "", "created_at": when})
        marks.append({"id": ctx.ids("mark"), "school_id": self.school_id, "work_id": default_ids[0],
                      "student_id": pp.id, "position": 0, "value": "н/а", "numeric": None, "entered_at": when,
                      "entered_by_user_id": self.teacher_user[L.t], "updated_at": None, "version": 1})

    def stage_history(self) -> None:
        """Last year's annual marks: grade − 1, same letter (grade 1 had no marks)."""
        ctx, r = self.ctx, self.rng
        rows = []
        end = self.prev.periods[-1].ends_on
        for pp in self.pupils:
            g = pp.grade - 1
            if g < 2:
                continue
            letter = self.classes[pp.c].letter
            cid = self.prev_class_ids[(g, letter)]
            lower = self.class_index(g, letter)
            for subject, _ in K.CURRICULUM[g]:
                if subject in K.NO_ATTESTATION:
                    continue
                if subject in K.PASS_FAIL:
                    value, numeric = "зач", None
                elif subject == "Физическая культура" and pp.exempt_pe:
                    value, numeric = "осв", None
                else:
                    mu = pp.mus.get(subject, pp.mu)
                    numeric = max(2, min(5, int(mu + r.gauss(0, 0.45) + 0.5)))
                    value = _VAL[numeric]
                t = self.teacher_of.get((lower, subject, pp.sg.get(subject) if is_split(subject, g) else None))
                if t is None:
                    t = self.teacher_of.get((lower, subject, 1 if is_split(subject, g) else None))
                rows.append({"id": 0, "school_id": self.school_id, "year_id": self.prev_year_id, "student_id": pp.id,
                             "subject_id": self.subject_ids[subject], "class_id": cid, "period_id": None,
                             "kind": "annual", "value": value, "numeric": numeric,
                             "entered_at": self.at(end + timedelta(days=r.randint(0, 3)), r.uniform(600, 1080)),
                             "entered_by_user_id": self.teacher_user[t] if t is not None else None, "version": 1})
        first = ctx.ids("periodmark", len(rows))
        for i, row in enumerate(rows):
            row["id"] = first + i
        self.out.setdefault("periodmark", []).extend(rows)

    # --- communication -------------------------------------------------------------------
    def stage_comms(self) -> None:
        """A lived-in school: parents and teachers writing to each other, announcements to a class
        and to the staff, documents published (and one draft), correction requests open and
        resolved, and one reported message waiting for the moderator. In the demo school the
        demo logins are the people involved, so every communication screen has something."""
        ctx, r = self.ctx, self.rng
        c = self.class_index(5, "А")
        roster = self.roster[c]
        if not roster:
            return
        pupil = roster[0]
        parent = pupil.guardians[0][2] if pupil.guardians else None
        ct = self.teacher_user[self.class_teacher[c]]
        teacher = self.teacher_user[self.demo_teacher] if self.demo else ct
        director, admin = self.role_users["director"], self.admin_user
        now = ctx.now

        def ago(days: float) -> datetime:
            return self.past(now - timedelta(days=days, minutes=r.uniform(0, 300)))

        def thread(kind: str, title: str, members: set[int], author: int, at: datetime, audience: str = "",
                   posts: tuple[tuple[int, str, float], ...] = ()) -> list[int]:
            tid = ctx.ids("messagethread")
            self.add(M.MessageThread, id=tid, school_id=self.school_id, kind=kind, title=title, audience=audience,
                     created_by_user_id=author, created_at=at)
            ids = []
            for sender, body, later in posts:
                mid = ctx.ids("message")
                self.add(M.Message, id=mid, school_id=self.school_id, thread_id=tid, sender_user_id=sender,
                         body=body, created_at=at + timedelta(hours=later))
                ids.append(mid)
            last_from = {sender: mid for (sender, _, _), mid in zip(posts, ids)}
            for uid in sorted(members):
                # everybody has read the thread up to their own last post; the author of the last post
                # is waiting for an answer that the other side has not read yet
                read = last_from.get(uid)
                self.add(M.ThreadMember, id=ctx.ids("threadmember"), school_id=self.school_id, thread_id=tid,
                         user_id=uid, last_read_at=at + timedelta(hours=posts[-1][2]) if read else None,
                         last_read_message_id=read)
            return ids

        if parent:
            thread("direct", "Справка после болезни", {parent, ct}, parent, ago(9), posts=(
                (parent, f"Здравствуйте! {pupil.person.first} болел с понедельника, справку принесём завтра.", 0),
                (ct, "Здравствуйте! Спасибо, отметила пропуски по болезни. Поправляйтесь.", 2.5),
                (parent, "Спасибо!", 3)))
            thread("direct", "Контрольная по математике", {parent, teacher}, parent, ago(2), posts=(
                (parent, "Добрый день! Можно ли переписать контрольную работу? Ребёнок был на олимпиаде.", 0),
                (teacher, "Добрый день. Да, в четверг после шестого урока, кабинет 207.", 5),
                (parent, "Хорошо, передам. Спасибо!", 6)))
        family = {u for pp in roster for u in [pp.user_id, *(g[2] for g in pp.guardians)] if u}
        thread("announcement", "Родительское собрание 5А", family | {ct}, ct, ago(6), audience=f"class:{self.class_ids[c]}",
               posts=((ct, "Уважаемые родители! Собрание в четверг в 18:30, кабинет 201. Тема: итоги четверти "
                           "и подготовка к ВПР.", 0),))
        staff = set(self.teacher_user) | set(self.role_users.values())
        thread("announcement", "Педагогический совет", staff, director, ago(12), audience="staff",
               posts=((director, "Коллеги, педсовет по итогам первой четверти — в понедельник в 15:00 в актовом "
                                 "зале. Классным руководителям подготовить отчёты.", 0),))
        if self.demo and len(roster) > 1 and roster[1].guardians:
            other = roster[1].guardians[0][2]
            ids = thread("direct", "Вопрос по домашнему заданию", {other, teacher}, other, ago(1), posts=(
                (other, "Задали слишком много, ребёнок сидит до ночи. Это вообще нормально?!", 0),))
            moderator = ctx.demo_user_ids.get("moderator")
            if moderator:
                self.add(M.MessageReport, id=ctx.ids("messagereport"), school_id=self.school_id, message_id=ids[0],
                         reporter_user_id=teacher, reason="Резкий тон, прошу посмотреть", created_at=ago(0.5))
        docs = (("Положение об электронном журнале и электронном дневнике", "all", True, 40),
                ("Приказ о назначении ответственных за ведение электронного журнала", "staff", True, 38),
                ("Памятка для родителей: как войти в электронный дневник", "guardians", True, 30),
                ("Правила внутреннего распорядка обучающихся", "pupils", True, 25),
                ("График контрольных работ на вторую четверть", "staff", False, 3))
        for title, audience, published, days in docs:
            made = ago(days)
            self.add(M.Document, id=ctx.ids("document"), school_id=self.school_id, title=title,
                     body=f"{title}. Утверждено приказом директора.", audience=audience, is_published=published,
                     published_at=made + timedelta(hours=1) if published else None, created_by_user_id=admin,
                     created_at=made, is_public=published and audience == "all")  # issue 19: on the site (4.5)
        if parent:
            self.add(M.CorrectionRequest, id=ctx.ids("correctionrequest"), school_id=self.school_id,
                     reporter_user_id=parent, what="В дневнике стоит «Н» на уроке физкультуры, а ребёнок был в школе.",
                     location="Дневник, физическая культура, прошлая неделя", should_be="Без пропуска",
                     status="open", created_at=ago(0.8))
            self.add(M.CorrectionRequest, id=ctx.ids("correctionrequest"), school_id=self.school_id,
                     reporter_user_id=parent, what="В расписании на пятницу два урока истории подряд.",
                     location="Расписание 5А, пятница", should_be="Один урок истории", status="resolved",
                     created_at=ago(15), resolved_at=ago(14), resolved_by_user_id=admin,
                     resolution="Исправлено: второй урок — обществознание.")

    # --- notifications by e-mail (issue 16) ----------------------------------------------
    def stage_mail(self) -> None:
        """The demo school's mail server (a local one: nothing leaves the machine), the demo parent's
        confirmed address, their subscriptions (homework at once, marks and absences in the evening,
        announcements) and a few letters already sent, one after a retry."""
        if not self.demo:
            return
        ctx = self.ctx  # no draw from self.rng: the stages after this one stay as they were
        parent = ctx.demo_user_ids.get("parent")
        children = [pp for pupils in self.roster for pp in pupils if any(g[2] == parent for g in pp.guardians)]
        if parent is None or not children:
            return
        now = ctx.now
        self.add(M.MailSettings, id=ctx.ids("mailsettings"), school_id=self.school_id, host="localhost", port=25,
                 security="none", login="", password_enc="", sender="noreply@school-demo.ru",
                 portal_url="http://localhost:8501", digest_time="19:00", updated_at=self.past(now - timedelta(days=20)),
                 updated_by_user_id=self.admin_user)
        email = self._user_rows[parent]["email"]
        address = ctx.ids("mailaddress")
        self.add(M.MailAddress, id=address, user_id=parent, email=email, secret=hashlib.sha256(f"demo-mail-{self.school_id}-{parent}".encode()).hexdigest()[:32],
                 confirm_hash="", confirm_sent_at=self.past(now - timedelta(days=14)),
                 confirmed_at=self.past(now - timedelta(days=14, hours=-1)), created_at=self.past(now - timedelta(days=14)))
        made = self.past(now - timedelta(days=14, hours=-1))
        for pp in children:
            for kind, mode in (("homework", "now"), ("mark", "digest"), ("absence", "digest")):
                self.add(M.MailSubscription, id=ctx.ids("mailsubscription"), school_id=self.school_id, user_id=parent,
                         student_id=pp.id, kind=kind, mode=mode, created_at=made)
        self.add(M.MailSubscription, id=ctx.ids("mailsubscription"), school_id=self.school_id, user_id=parent,
                 student_id=None, kind="announcement", mode="now", created_at=made)
        child = children[0].person.first
        for days, kind, subject, body, digest, attempts, error in (
                (3.2, "homework", f"Домашнее задание: {child}, Математика",
                 f"{child}: Математика, выполнить к следующему уроку — № 214, 216", False, 1, ""),
                (2.3, "mark", "", f"{child}: Русский язык — отметка 5", True, 1, ""),
                (1.2, "homework", f"Домашнее задание: {child}, Литература",
                 f"{child}: Литература — выучить стихотворение", False, 2,
                 "Сервер не принимает соединения на этом порту (соединение отклонено).")):
            at = self.past(now - timedelta(days=days))
            self.add(M.MailOutbox, id=ctx.ids("mailoutbox"), school_id=self.school_id, user_id=parent, to_email=email,
                     kind=kind, student_id=children[0].id, subject=subject or "Новости за день", body=body,
                     digest=digest, due_at=at, state="sent", attempts=attempts, next_try_at=None, last_error=error,
                     sent_at=at + timedelta(minutes=1 if attempts == 1 else 6), created_at=at)

    # --- the regulation's records (issue 19) ---------------------------------------------
    def stage_regulation(self) -> None:
        """September's monthly check and the first quarter's control recorded (October's check is
        not: the director's dashboard flags it); three of the four required documents approved, the
        changes to the job descriptions missing."""
        ctx, today = self.ctx, self.ctx.today
        deputy, director = self.role_users["deputy"], self.role_users["director"]
        middle = [c for c in self.classes if 5 <= c.grade <= 9]
        names = ", ".join(f"{c.grade}{c.letter}" for c in middle[:4])
        q1 = self.cal.periods[0]
        for kind, held_on, author, period_id, found, ordered in (
                ("monthly_check", date(self.cal.start_year, 9, 29), deputy, None,
                 "В 6Б не записаны темы трёх уроков истории; остальные журналы заполнены.",
                 "Учителю истории заполнить темы до 03.10."),
                ("period_control", q1.ends_on + timedelta(days=3), director, self.period_ids[(self.cal.start_year, 1)],
                 "Отметки за четверть выставлены всем; у двух учеников 5А меньше трёх отметок по физике.",
                 "Классным руководителям 5А проверить накопляемость отметок.")):
            if held_on < today:
                self.add(M.ControlAct, id=ctx.ids("controlact"), school_id=self.school_id, kind=kind,
                         held_on=held_on, author_user_id=author, findings=found, created_at=self.at(held_on, 900),
                         classes=names, journals="Все предметы", orders=ordered, period_id=period_id)
        from exporters.pdf_common import new_document, paragraph, title_block
        from services.rules.required_docs import REQUIRED

        approved = date(self.cal.start_year, 8, 30)
        for n, code in enumerate(("order_portal", "order_responsible", "local_regulation"), start=1):
            aid = ctx.ids("attachment")
            doc = new_document(REQUIRED[code][0], "Демонстрационная школа", made_at=self.at(approved, 600))
            doc.add_page()
            title_block(doc, "Демонстрационная школа", f"Приказ № {100 + n}-о от {approved:%d.%m.%Y}",
                        [REQUIRED[code][0]])
            paragraph(doc, "Демонстрационный документ: в настоящей школе здесь текст, утверждённый директором.")
            data = doc.to_bytes()
            self.add(M.Attachment, id=aid, school_id=self.school_id, name=f"{code}.pdf", mime="application/pdf",
                     size=len(data), data=data, uploaded_by_user_id=self.admin_user, created_at=self.at(approved, 600))
            self.add(M.RequiredDocument, id=ctx.ids("requireddocument"), school_id=self.school_id, code=code,
                     attachment_id=aid, uploaded_by_user_id=self.admin_user, uploaded_at=self.at(approved, 600),
                     approved_on=approved, approved_number=f"{100 + n}-о", approved_by_user_id=director,
                     approved_at=self.at(approved, 720))

    # --- results of ВПР (2.2) --------------------------------------------------------------
    VPR_SUBJECTS = ("Математика", "Русский язык")
    VPR_PRIMARY = {2: (2, 6), 3: (7, 10), 4: (11, 14), 5: (15, 20)}

    def stage_exams(self) -> None:
        """A few results of ВПР in the demo school: the classes «А» of grades 4 and 5 in Математика and
        Русский язык in April of last school year (today's 5А and 6А, compared with last year's annual
        marks) and, once April has come, of this year. Mostly the year mark, one in three a mark lower,
        one in ten higher (ВПР are usually written a little below the year marks). A random generator
        of its own, so that the rest of the demo stays as it was."""
        if not self.demo:
            return
        ctx = self.ctx
        r = random.Random(f"demo:{ctx.seed}:{self.index}:exams")
        numeric: dict[tuple, int] = {}
        period_end = {pid: p.ends_on for (y, n), pid in self.period_ids.items()
                      for p in (self.cal.periods if y == self.cal.start_year else self.prev.periods) if p.number == n}
        for row in self.out.get("periodmark", []):
            if row["numeric"] is not None:
                numeric[(row["year_id"], row["student_id"], row["subject_id"], row["kind"], row["period_id"])] = \
                    row["numeric"]
        rows = []
        for start, year_id, shift in ((self.prev.start_year, self.prev_year_id, 1), (self.cal.start_year, self.year_id, 0)):
            held = date(start + 1, 4, 16)
            while held.weekday() >= 5:
                held += timedelta(days=1)
            if held > ctx.today:
                continue
            for pp in self.pupils:
                grade = pp.grade - shift
                letter = self.classes[pp.c].letter
                if grade not in (4, 5) or letter != "А":
                    continue
                class_id = self.prev_class_ids.get((grade, letter)) if shift else self.class_ids[pp.c]
                if class_id is None:
                    continue
                for k, subject in enumerate(self.VPR_SUBJECTS):
                    subject_id = self.subject_ids[subject]
                    year_mark = numeric.get((year_id, pp.id, subject_id, "annual", None))
                    if year_mark is None:
                        ended = sorted((period_end.get(pid), v) for (y, sid, subj, kind, pid), v in numeric.items()
                                       if y == year_id and sid == pp.id and subj == subject_id and kind == "period"
                                       and period_end.get(pid) is not None and period_end[pid] <= held)
                        year_mark = ended[-1][1] if ended else None
                    if year_mark is None:
                        continue
                    x = r.random()
                    mark = max(2, min(5, year_mark - 1 if x < 0.33 else year_mark + 1 if x > 0.9 else year_mark))
                    lo, hi = self.VPR_PRIMARY[mark]
                    day = held + timedelta(days=k)
                    while day.weekday() >= 5:
                        day += timedelta(days=1)
                    rows.append(dict(DEFAULTS["examresult"], id=0, school_id=self.school_id, year_id=year_id,
                                     student_id=pp.id, subject_id=subject_id, class_id=class_id, kind="vpr",
                                     held_on=day, primary_score=r.randint(lo, hi), test_score=None, mark=mark,
                                     entered_at=self.past(self.at(day + timedelta(days=7), 900)),
                                     entered_by_user_id=self.admin_user))
        first = ctx.ids("examresult", len(rows))
        for i, row in enumerate(rows):
            row["id"] = first + i
        self.out["examresult"] = rows

    # --- olympiads ----------------------------------------------------------------------
    def stage_olympiads(self) -> None:
        ctx, r = self.ctx, self.rng
        y = self.cal.start_year
        today = ctx.today

        def spread(first: date, last: date, names: list[str]) -> dict[str, date]:
            span = (last - first).days
            out = {}
            for i, name in enumerate(names):
                d = first + timedelta(days=span * i // max(1, len(names) - 1))
                while d.weekday() >= 5:
                    d += timedelta(days=1)
                out[name] = d
            return out

        subjects = K.VSOSH_SUBJECTS
        school_dates = spread(date(y, 9, 22), date(y, 10, 24), subjects)
        muni_dates = spread(date(y, 11, 10), date(y, 12, 12), subjects)
        region_dates = spread(date(y + 1, 1, 15), date(y + 1, 2, 20), subjects)
        final_dates = spread(date(y + 1, 4, 1), date(y + 1, 4, 28), subjects)
        rows = []

        def add(pp, olympiad, stage, subject, status, held):
            if held <= today:
                rows.append(dict(DEFAULTS["olympiadresult"], id=0, school_id=self.school_id, year_id=self.year_id,
                                 student_id=pp.id, olympiad=olympiad, stage=stage, subject_name=subject,
                                 status=status, held_on=held))

        def status(pp, winner, prize):
            x = r.random() / (1 + max(0.0, pp.mu - 3.8))
            return "winner" if x < winner else "prize" if x < winner + prize else "participant"

        for pp in self.pupils:
            if pp.grade < 4:
                continue
            if r.random() < 0.3 + 0.1 * (pp.mu > 4.3):
                allowed = [s for s in subjects if pp.grade >= K.VSOSH_MIN_GRADE.get(s, 5)
                           or (pp.grade == 4 and s in ("Математика", "Русский язык"))]
                for s in r.sample(allowed, min(len(allowed), r.choice([1, 1, 2, 2, 3]))):
                    st = status(pp, 0.06, 0.18)
                    add(pp, "vsosh", "school", s, st, school_dates[s])
                    if pp.grade >= 7 and st != "participant" and r.random() < 0.5:
                        st2 = status(pp, 0.05, 0.15)
                        add(pp, "vsosh", "municipal", s, st2, muni_dates[s])
                        if pp.grade >= 9 and st2 != "participant" and r.random() < 0.4:
                            st3 = status(pp, 0.03, 0.12)
                            add(pp, "vsosh", "regional", s, st3, region_dates[s])
                            if st3 != "participant" and r.random() < 0.5:
                                add(pp, "vsosh", "final", s, status(pp, 0.02, 0.1), final_dates[s])
            if pp.grade >= 5 and r.random() < 0.04:
                add(pp, "podmoskovnaya", "", r.choice(["Математика", "Русский язык", "Физика", "История"]),
                    status(pp, 0.04, 0.15), date(y, 11, 15) + timedelta(days=r.randint(0, 90)))
            if pp.grade >= 7 and r.random() < 0.02:
                add(pp, "vzlet_programme", "", r.choice(["Математика", "Физика", "Информатика", "Химия"]),
                    "participant", date(y + 1, 3, 10) + timedelta(days=r.randint(0, 40)))
            if pp.grade >= 5 and r.random() < 0.05:
                add(pp, "vzlet_online", "", r.choice(["Математика", "Биология", "Физика", "Информатика",
                                                      "География"]),
                    status(pp, 0.03, 0.12), date(y, 10, 5) + timedelta(days=r.randint(0, 70)))
        first = ctx.ids("olympiadresult", len(rows))
        for i, row in enumerate(rows):
            row["id"] = first + i
        self.out["olympiadresult"] = rows
        self.add(M.OlympiadVenue, id=ctx.ids("olympiadvenue"), school_id=self.school_id, year_id=self.year_id,
                 olympiad="vsosh", stage="school", held_on=school_dates[subjects[0]])
        if self.index % 4 == 1 or self.demo:
            self.add(M.OlympiadVenue, id=ctx.ids("olympiadvenue"), school_id=self.school_id, year_id=self.year_id,
                     olympiad="podmoskovnaya", stage="", held_on=date(y, 12, 6))
        if self.index % 3 == 0:
            s = subjects[self.index % len(subjects)]
            self.add(M.OlympiadVenue, id=ctx.ids("olympiadvenue"), school_id=self.school_id, year_id=self.year_id,
                     olympiad="vsosh", stage="municipal", held_on=muni_dates[s])
