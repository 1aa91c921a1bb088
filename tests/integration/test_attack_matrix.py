"""Attack (R-ORG-1, R-ROLE-1, R-ROLE-2, R-ROLE-3, R-SAFE-1): who may do what, the whole matrix, and forged payloads.

1. Every action of policy.RULES × every role of services/core/roles.py, on three targets: the most
   favourable one in the actor's own school (their lesson, class, child, …), an unfavourable one
   in the same school (another class, another child, …) and one in another school. The table
   WHO below is the reviewed answer; a change of services/core/policy.py that grants or scopes an
   action differently fails here until the table is changed with it. Besides the table, the
   invariants of SPEC.md that hold whatever the table says: pupils and parents never get the
   journal, the coordinator only aggregates, nobody crosses into another school.
2. Real services (SQLite and PostgreSQL) called by every account of a small world: a refused
   call raises AccessDenied and leaves an «access.denied» event; the labels allowed are spelled
   out per call.
3. A forged data_editor payload sent to services.journal.grid.save_cells (a row of another class, a
   lesson of another teacher, a mark of 9, a 100 KB string): refused, nothing saved, audited.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlmodel import func, select

from models import AcademicYear, AuditEvent, Mark, StudyPeriod, WorkType
from models.db import reading, transaction
from services.core import auth, health, policy, school_settings, targets
from services.core.actor import Actor, Grant
from services.core.policy import RULES, AccessDenied, Target, decide
from services.core.roles import ROLE_TITLES, ROLES
from services.journal import class_teacher, diary, grid as journal
from services.journal.edits import CellChange
from services.people import credentials, students, users
from services.planning import timetable_views
from tests.integration import world as world_mod

# ----------------------------------------------------------------------------- 1. the matrix
# action → the roles that may do it; «role:scope» when the role may do it only on its own
# things (no scope = anywhere in the role's school; coordinator: its municipality).
WHO = {
    "profile.edit": " ".join(f"{r}:self_user" for r in ROLE_TITLES),
    "user.view": "admin director",
    "user.manage": "admin",
    "settings.view": "admin director deputy",
    "settings.edit": "admin",
    "audit.view": "admin director",
    "student.view": "admin director secretary deputy:parallel class_teacher:own_class teacher:teaches_class "
                    "parent:own_child student:self_pupil",
    "student.card": "admin director secretary deputy:parallel class_teacher:own_class parent:own_child "
                    "student:self_pupil",
    "student.edit": "admin secretary class_teacher:own_class",
    "journal.view": "admin director deputy:parallel class_teacher:own_class teacher:teaches_class",
    "journal.edit": "teacher:teaches_lesson",
    "period_mark.edit": "teacher:teaches_class",
    "attendance.class_day": "class_teacher:own_class",
    "diary.view": "parent:own_child student:self_pupil class_teacher:own_class admin director deputy:parallel",
    "timetable.view": "admin class_teacher deputy director editor moderator monitoring secretary site_admin "
                      "teacher parent:child_class student:child_class",
    "timetable.edit": "admin deputy:parallel",
    "substitution.manage": "admin deputy:parallel",
    "curriculum.edit": "admin deputy:parallel",
    "calendar.edit": "admin",
    "lesson_plan.edit": "teacher:teaches_class deputy:parallel",
    "roster.import": "admin secretary",
    "student.move": "admin secretary",
    "subgroup.edit": "class_teacher:own_class admin deputy:parallel",
    "credentials.issue_staff": "admin",
    "credentials.issue_pupil": "class_teacher:own_class admin",
    "indicators.view": "admin director monitoring deputy:parallel coordinator:municipality",
    "indicators.configure": "admin director",
    "indicators.drilldown": "admin director deputy:parallel",
    "aggregate.view": "admin director monitoring coordinator:municipality",
    "contingent.stats": "monitoring director admin secretary",
    "control.run": "admin director deputy:parallel",
    "control.review": "director",
    "control.record": "director deputy:parallel",
    "regdoc.view": "admin director deputy",
    "regdoc.upload": "admin",
    "regdoc.approve": "director",
    "olympiad.edit": "admin deputy:parallel",
    "message.staff": "admin class_teacher deputy director editor moderator monitoring secretary site_admin teacher",
    "message.use": "admin editor moderator monitoring director deputy teacher class_teacher parent student "
                   "secretary site_admin",
    "document.view": "admin editor moderator monitoring director deputy teacher class_teacher parent student "
                     "secretary site_admin",
    "announcement.publish": "admin director editor class_teacher:own_class",
    "message.hide": "moderator",
    "document.publish": "site_admin editor",
    "document.public": "site_admin",                     # issue 19: a document on the school's public page
    "municipal.publish": "coordinator:municipality",     # issue 19: the municipality's documents (no pupil data)
    "correction.create": "admin editor moderator monitoring director deputy teacher class_teacher parent student "
                         "secretary site_admin",
    "correction.resolve": "admin",
    "consent.manage": "admin secretary class_teacher:own_class",
    "backup.run": "admin",
    "health.view": "admin",
    "year.close": "admin",
    "report.mark_changes": "admin",
    "report.attestation": "admin director deputy:parallel class_teacher:own_class teacher:teaches_class",
    "report.weekly_sheet": "admin director deputy:parallel class_teacher:own_class teacher:teaches_class",
    "report.class_progress": "admin director deputy:parallel class_teacher:own_class",
    "year.archive": "admin",
    "worktype.view": "admin director deputy",  # issue 15
    "worktype.edit": "admin",
    "setup.view": "admin director",
    # issue 16: notifications by e-mail
    "mail.settings": "admin",
    "mail.subscribe": "admin editor moderator monitoring director deputy teacher class_teacher parent student "
                      "secretary site_admin",
    "mail.child": "parent:own_child student:self_pupil",
    "mail.staff": "admin class_teacher deputy director editor moderator monitoring secretary site_admin teacher",
}
SCOPE_NAMES = {policy.SCHOOL: "", policy.MUNICIPALITY: "municipality", policy.PARALLEL: "parallel",
               policy.OWN_CLASS: "own_class", policy.TEACHES_LESSON: "teaches_lesson",
               policy.TEACHES_CLASS: "teaches_class", policy.OWN_CHILD: "own_child",
               policy.SELF_PUPIL: "self_pupil", policy.CHILD_CLASS: "child_class", policy.SELF_USER: "self_user"}
# what pupils, parents and the coordinator may ever do (SPEC R-ROLE-2, R-CTL-6)
FAMILY_ACTIONS = {"profile.edit", "student.view", "student.card", "diary.view", "timetable.view", "message.use",
                  "document.view", "correction.create", "mail.subscribe", "mail.child",
                  "student.views"}  # issue 16: who opened the child's data (their own child's, 5.15)
COORDINATOR_ACTIONS = {"profile.edit", "indicators.view", "aggregate.view", "municipal.publish"}

S1, S2, M1, M2 = 1, 2, 10, 20
ME, OTHER_USER = 7, 8


def role_actor(role: str, school: int = S1, municipality: int = M1) -> Actor:
    """An actor holding only `role`, with the facts that make the favourable target theirs."""
    if role == "coordinator":
        grant = Grant(role, municipality_id=municipality)
    elif role == "class_teacher":
        grant = Grant(role, school_id=school, class_id=5)
    elif role == "deputy":
        grant = Grant(role, school_id=school, grades=frozenset({5}))
    else:
        grant = Grant(role, school_id=school)
    facts = {"teacher": dict(staff_ids=frozenset({40}), teaches=frozenset({(5, 3)})),
             "parent": dict(children=frozenset({100}), child_class_ids=frozenset({5})),
             "student": dict(student_ids=frozenset({100}), child_class_ids=frozenset({5}))}.get(role, {})
    return Actor(user_id=ME, login=role, name=role, grants=(grant,), **facts)


FAVOURABLE = Target(school_id=S1, municipality_id=M1, class_id=5, grade=5, subject_id=3, student_id=100,
                    teacher_id=40, user_id=ME)
UNFAVOURABLE = Target(school_id=S1, municipality_id=M1, class_id=6, grade=6, subject_id=4, student_id=101,
                      teacher_id=41, user_id=OTHER_USER)
FOREIGN = Target(school_id=S2, municipality_id=M2, class_id=50, grade=5, subject_id=30, student_id=200,
                 teacher_id=400, user_id=OTHER_USER)


def who(action: str) -> dict[str, str]:
    """RULES[action] as role → scope name."""
    return {role: SCOPE_NAMES[scope] for role, scope in RULES[action][1]}


def test_the_table_is_the_policy():
    for action, text in WHO.items():
        assert action in RULES, f"{action} left the policy: remove it from WHO"
        expected = dict((part.split(":") + [""])[:2] for part in text.split())
        assert who(action) == expected, action
    assert set(ROLES) == set(ROLE_TITLES)


@pytest.mark.parametrize("action", sorted(RULES))
def test_every_role_on_every_action(action):
    rules = who(action)
    for role in ROLES:
        me = role_actor(role)
        favourable = decide(me, action, FAVOURABLE)
        assert favourable.allowed == (role in rules), (action, role)
        unfavourable = decide(me, action, UNFAVOURABLE).allowed
        # only a role with the whole school (or municipality) reaches another class, child, user
        assert unfavourable == (role in rules and rules[role] in ("", "municipality")), (action, role)
        assert not decide(me, action, FOREIGN).allowed or action == "profile.edit", (action, role)
        for d in (favourable, decide(me, action, UNFAVOURABLE)):
            if not d.allowed:
                assert d.message.startswith("Недостаточно прав: ") and RULES[action][0] in d.message
        # the same role in another school is refused here; a foreign coordinator too
        assert not decide(role_actor(role, school=S2, municipality=M2), action, FAVOURABLE).allowed \
            or (action == "profile.edit"), (action, role)


def test_spec_invariants_whatever_the_table():
    for role in ("student", "parent"):
        allowed = {a for a in RULES if decide(role_actor(role), a, FAVOURABLE).allowed}
        assert allowed <= FAMILY_ACTIONS, (role, allowed - FAMILY_ACTIONS)
        assert not {"journal.view", "journal.edit", "period_mark.edit"} & allowed
    allowed = {a for a in RULES if decide(role_actor("coordinator"), a, FAVOURABLE).allowed}
    assert allowed <= COORDINATOR_ACTIONS, allowed - COORDINATOR_ACTIONS
    for action in ("user.manage", "settings.edit", "backup.run", "health.view", "year.close", "year.archive",
                   "correction.resolve", "report.mark_changes", "credentials.issue_staff"):
        assert {r for r in ROLES if decide(role_actor(r), action, FAVOURABLE).allowed} == {"admin"}, action
    # an actor with no roles may do nothing but edit their own profile (and not even that)
    nobody = Actor(user_id=ME, login="x", name="x")
    assert not any(decide(nobody, a, FAVOURABLE).allowed for a in RULES)


# ----------------------------------------------------------------------------- 2. real services
@pytest.fixture
def world(db_url, frozen_clock):
    frozen_clock(datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc))
    w = world_mod.build()
    school = w.schools["A"].id
    with transaction() as tx:  # a study period and a default work type, so that the journal opens and saves
        year = tx.exec(select(AcademicYear).where(AcademicYear.school_id == school)).one()
        tx.add(StudyPeriod(school_id=school, year_id=year.id, kind="quarter", number=2, name="2 четверть",
                           starts_on=date(2026, 11, 1), ends_on=date(2026, 12, 28)))
        tx.add(WorkType(school_id=school, name="Работа на уроке", weight=1.0, is_default=True))
    return w


def load(user_id: int) -> Actor:
    with reading() as tx:
        return auth.load_actor(tx, user_id)


def denials() -> int:
    with reading() as tx:
        return tx.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "access.denied")).one()


A_STAFF = {"admin", "director", "deputy", "coordinator_like_monitoring", "teacher5", "teacher6", "class_teacher5"}
FAMILY_5 = {"pupil5_1", "pupil5_2", "parent_of_pupil5_1", "parent_of_pupil5_2"}


def calls(a, tmp_path):
    """(name, action, target, call(actor), labels allowed): representative services, reading and writing."""
    p51, c5, math = a.students["pupil5_1"], a.classes["5А"], a.subjects["Математика"]
    lesson = a.lessons["5А/Математика"]
    with reading() as tx:
        t_pupil, t_class = targets.for_student(tx, p51), targets.for_class(tx, c5)
        t_journal, t_lesson = targets.for_class(tx, c5, math), targets.for_lesson(tx, lesson)
    t_school = Target(school_id=a.id, municipality_id=a.municipality_id)
    counter = iter(range(1000))

    def save_cell(actor):
        result = journal.save_cells(actor, [CellChange(p51, lesson, None, "", "Н")])
        if not result.committed:
            raise AccessDenied(result.errors[0].message)  # the service reports, the matrix counts

    return [
        ("students.open_card", "student.card", t_pupil, lambda x: students.open_card(x, p51),
         {"admin", "director", "deputy", "class_teacher5", "pupil5_1", "parent_of_pupil5_1"}),
        ("students.pupil_name", "student.view", t_pupil, lambda x: students.pupil_name(x, p51),
         {"admin", "director", "deputy", "class_teacher5", "teacher5", "pupil5_1", "parent_of_pupil5_1"}),
        ("diary.week", "diary.view", t_pupil, lambda x: diary.week(x, p51),
         {"admin", "director", "deputy", "class_teacher5", "pupil5_1", "parent_of_pupil5_1"}),
        ("journal.load_grid", "journal.view", t_journal, lambda x: journal.load_grid(x, c5, math),
         {"admin", "director", "deputy", "class_teacher5", "teacher5"}),
        ("journal.save_cells", "journal.edit", t_lesson, save_cell, {"teacher5"}),
        ("class_teacher.day_attendance", "attendance.class_day", t_class,
         lambda x: class_teacher.day_attendance(x, c5, date(2026, 11, 2)), {"class_teacher5"}),
        ("credentials.class_accounts", "credentials.issue_pupil", t_class,
         lambda x: credentials.class_accounts(x, c5), {"admin", "class_teacher5"}),
        ("timetable_views.class_week", "timetable.view", t_class,
         lambda x: timetable_views.class_week(x, c5, date(2026, 11, 2)), A_STAFF | FAMILY_5),
        ("users.list_users", "user.view", t_school, lambda x: users.list_users(x, a.id), {"admin", "director"}),
        ("users.create_user", "user.manage", t_school,
         lambda x: users.create_user(x, a.id, login=f"new{next(counter)}", last_name="Новиков", first_name="Иван",
                                     password="Long-enough-pass-1"), {"admin"}),
        ("school_settings.update", "settings.edit", t_school,
         lambda x: school_settings.update(x, a.id, {"edit_window": ("week", "month")[next(counter) % 2]}),
         {"admin"}),
        ("health.status", "health.view", t_school, lambda x: health.status(x, a.id, backup_dir=tmp_path),
         {"admin"}),
    ]


def test_real_services_refuse_exactly_whom_the_policy_refuses_and_audit_it(world, tmp_path):
    a = world.schools["A"]
    accounts = {label: load(uid) for label, uid in a.users.items()}
    accounts["coord"] = load(world.coordinator_user_id)
    accounts["admin_of_B"] = load(world.schools["B"].users["admin"])
    accounts["parent_of_B"] = load(world.schools["B"].users["parent_of_pupil5_1"])
    for name, action, target, call, expected in calls(a, tmp_path):
        allowed = set()
        for label, actor in accounts.items():
            before = denials()
            try:
                call(actor)
            except AccessDenied as e:
                assert str(e).startswith("Недостаточно прав"), (name, label, str(e))
                assert denials() == before + 1, (name, label, "the refusal left no trace")
                assert not policy.allowed(actor, action, target), (name, label)
            else:
                allowed.add(label)
                assert policy.allowed(actor, action, target), (name, label)
        assert allowed == expected, name


# ----------------------------------------------------------------------------- 3. forged payloads
def test_a_forged_journal_payload_is_refused_whole_and_audited(world):
    a = world.schools["A"]
    teacher = load(a.users["teacher5"])
    lesson, other_lesson = a.lessons["5А/Математика"], a.lessons["6А/Математика"]
    good = CellChange(a.students["pupil5_1"], lesson, None, "", "5")

    def events(action):
        with reading() as tx:
            return tx.exec(select(AuditEvent).where(AuditEvent.action == action,
                                                    AuditEvent.actor_user_id == teacher.user_id)).all()

    forged = [
        ([good, CellChange(a.students["pupil6_1"], lesson, None, "", "5")], "не числится", "journal.save_refused"),
        ([good, CellChange(a.students["pupil5_2"], lesson, None, "", "9")], "от 1 до 5", "journal.save_refused"),
        ([good, CellChange(a.students["pupil5_2"], lesson, None, "", "5" * 100_000)], "Слишком длинная",
         "journal.save_refused"),
        ([good, CellChange(a.students["pupil6_1"], other_lesson, None, "", "5")], "Недостаточно прав",
         "access.denied"),
        ([good, CellChange(a.students["pupil5_2"], 987_654, None, "", "5")], "Недостаточно прав", "access.denied"),
        ([CellChange(a.students["pupil5_2"], lesson, 987_654, "", "5")], "Работа не относится", "journal.save_refused"),
    ]
    for n, (changes, reason, action) in enumerate(forged, start=1):
        before = len(events(action))
        result = journal.save_cells(teacher, changes)
        assert not result.committed and result.saved == 0, reason
        assert any(reason in p.message for p in result.errors), (reason, [p.message for p in result.errors])
        assert all(len(p.message) < 500 for p in result.errors)  # the 100 KB never comes back
        with reading() as tx:
            assert tx.exec(select(func.count()).select_from(Mark)).one() == 0  # not even the good cell
        trace = events(action)
        assert len(trace) == before + 1, reason
        assert trace[-1].school_id == a.id and len(trace[-1].detail or "") <= 1000
    # the same good cell alone is saved: what was refused was the forgery, not the teacher
    assert journal.save_cells(teacher, [good]).committed
