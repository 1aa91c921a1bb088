"""The next September (issue 15): subgroups with their pupils, the teaching load of each group and
the timetable move up with the class (5А → 6А) when the new class's curriculum has the subject;
what is left out is said in the preview."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from models import SchoolClass, Subgroup, SubgroupMember, Student, Subject, TeachingAssignment, TimetableSlot
from models.db import reading
from services.core.actor import SYSTEM
from services.planning import timetable, year_close
from services.setup import commands as setup_commands
from tests.integration import timetable_world
from tests.integration.timetable_world import rows_5a

MSK = ZoneInfo("Europe/Moscow")


def test_subgroups_load_and_timetable_move_up_with_the_class(db_url, frozen_clock):
    frozen_clock(timetable_world.NOW)
    w = timetable_world.build()
    timetable.save_class(SYSTEM, w.classes["5А"], rows_5a(w), date(2026, 9, 1))
    # the 6th grade's curriculum (copied to the new 6А) has English in groups, not Informatics nor Russian
    setup_commands.set_curriculum(SYSTEM, w.school_id, "6А", "Английский язык", 3, split=True)
    frozen_clock(datetime(2027, 6, 20, 10, 0, tzinfo=MSK))
    preview = year_close.preview(SYSTEM, w.school_id)
    assert preview.carry.subgroups == 2 and preview.carry.members == 4
    assert sorted(preview.carry.skipped) == ["подгруппа «1 группа» 6А: предмета нет в новом учебном плане",
                                             "подгруппа «2 группа» 6А: предмета нет в новом учебном плане"]
    done = year_close.close_year(SYSTEM, w.school_id, no_archive_reason="карта переноса проверяется без архива")
    assert done.carry.subgroups == 2 and done.carry.timetable == preview.carry.timetable == 5 + 6
    with reading() as tx:
        new_6a = tx.exec(select(SchoolClass.id).where(SchoolClass.name == "6А",
                                                      SchoolClass.year_id != w.year_id)).one()
        names = dict(tx.exec(select(Subject.id, Subject.name)).all())
        groups = {g.id: g.name for g in tx.exec(select(Subgroup).where(Subgroup.class_id == new_6a)).all()}
        members = {}
        for m, last in tx.exec(select(SubgroupMember, Student.last_name)
                               .join(Student, Student.id == SubgroupMember.student_id)
                               .where(SubgroupMember.subgroup_id.in_(list(groups)))).all():
            assert m.starts_on == date(2027, 9, 1)
            members.setdefault(groups[m.subgroup_id], set()).add(last)
        load = sorted((names[a.subject_id], groups.get(a.subgroup_id, ""), a.teacher_id) for a in tx.exec(
            select(TeachingAssignment).where(TeachingAssignment.class_id == new_6a)).all())
        slots = tx.exec(select(TimetableSlot).where(TimetableSlot.class_id == new_6a)).all()
    assert members == {"1 группа": {"Алексеев", "Борисова"}, "2 группа": {"Васильев", "Григорьева"}}
    assert load == [("Английский язык", "1 группа", w.staff["eng1"]), ("Английский язык", "2 группа", w.staff["eng2"]),
                    ("Математика", "", w.staff["math"])]
    assert len(slots) == 11 and {s.valid_from for s in slots} == {date(2027, 9, 1)}
    assert all(s.subgroup_id in groups for s in slots if names[s.subject_id] == "Английский язык")
