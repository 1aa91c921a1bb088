"""«Мониторинг ФСН»: read-only statistics of the contingent as the federal statistical form ОО-1
asks for them — pupils by grade and sex on a date, by age (full years on 1 January of the next
year, as ОО-1 counts it) and grade, classes and their sizes, staff by position — on screen and
as an XLSX workbook. Counts only: no names."""
from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import select

from models import AcademicYear, Enrollment, School, SchoolClass, Staff, Student
from models.db import reading
from services.core import audit, policy
from services.core.actor import Actor
from services.core.schools import school_target
from services.rules.averages import round_half_up

LEVELS = (("Начальное общее (1–4)", range(1, 5)), ("Основное общее (5–9)", range(5, 10)),
          ("Среднее общее (10–11)", range(10, 12)))
AGES = tuple(range(6, 19))  # 6 and younger … 18 and older


@dataclass
class FsnReport:
    school: str
    on: date
    age_on: date
    grades: list[dict] = field(default_factory=list)       # grade, classes, pupils, boys, girls
    levels: list[dict] = field(default_factory=list)       # level, classes, pupils, average class size
    ages: dict = field(default_factory=dict)               # (age, grade) → pupils
    classes: list[dict] = field(default_factory=list)      # class, pupils, boys, girls
    staff: list[dict] = field(default_factory=list)        # position, people
    unknown_sex: int = 0
    unknown_birth: int = 0

    @property
    def total(self) -> int:
        return sum(g["pupils"] for g in self.grades)


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def contingent(actor: Actor, school_id: int, on: date) -> FsnReport:
    """The contingent of the school on the date `on`."""
    with reading() as tx:
        policy.require(actor, "contingent.stats", school_target(tx, school_id, entity="contingent", entity_id=school_id))
        school = tx.get(School, school_id)
        year = tx.exec(select(AcademicYear).where(AcademicYear.school_id == school_id, AcademicYear.starts_on <= on,
                                                  AcademicYear.ends_on >= on)).first()
        report = FsnReport(school=school.name if school else "", on=on, age_on=date(on.year + 1, 1, 1))
        if year is None:
            classes, pupils = [], []
        else:
            classes = tx.exec(select(SchoolClass).where(SchoolClass.school_id == school_id,
                                                        SchoolClass.year_id == year.id)
                              .order_by(SchoolClass.grade, SchoolClass.letter)).all()
            pupils = tx.exec(
                select(Enrollment.class_id, Student.sex, Student.birth_date)
                .join(Student, Student.id == Enrollment.student_id)
                .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
                .where(Enrollment.school_id == school_id, SchoolClass.year_id == year.id,
                       Enrollment.starts_on <= on, (Enrollment.ends_on.is_(None)) | (Enrollment.ends_on >= on),
                       (Student.left_on.is_(None)) | (Student.left_on > on))).all()
        staff = tx.exec(select(Staff.position).where(
            Staff.school_id == school_id, (Staff.hired_on.is_(None)) | (Staff.hired_on <= on),
            (Staff.left_on.is_(None)) | (Staff.left_on > on))).all()
    grade_of = {c.id: c.grade for c in classes}
    per_class: dict[int, Counter] = defaultdict(Counter)
    for class_id, sex, birth in pupils:
        grade = grade_of[class_id]
        per_class[class_id]["pupils"] += 1
        per_class[class_id]["boys" if sex == "м" else "girls" if sex == "ж" else "unknown"] += 1
        if birth is None:
            report.unknown_birth += 1
        else:
            age = min(max(_age(birth, report.age_on), AGES[0]), AGES[-1])
            report.ages[(age, grade)] = report.ages.get((age, grade), 0) + 1
    report.unknown_sex = sum(c["unknown"] for c in per_class.values())
    for c in classes:
        counts = per_class.get(c.id, Counter())
        report.classes.append({"class": c.name, "grade": c.grade, "pupils": counts["pupils"], "boys": counts["boys"],
                               "girls": counts["girls"]})
    for grade in range(1, 12):
        rows = [r for r in report.classes if r["grade"] == grade]
        report.grades.append({"grade": grade, "classes": len(rows), "pupils": sum(r["pupils"] for r in rows),
                              "boys": sum(r["boys"] for r in rows), "girls": sum(r["girls"] for r in rows)})
    for title, grades in LEVELS:
        rows = [r for r in report.classes if r["grade"] in grades]
        n = sum(r["pupils"] for r in rows)
        report.levels.append({"level": title, "classes": len(rows), "pupils": n,
                              "average": round_half_up(n / len(rows), 1) if rows else None})
    for position, people in sorted(Counter((p or "Без должности") for p in staff).items()):
        report.staff.append({"position": position, "people": people})
    return report


def to_xlsx(actor: Actor, report: FsnReport, school_id: int) -> bytes:
    """The report as a workbook (sheets: by grade, by age, classes, staff); the export is audited."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "По параллелям"
    ws.append([f"{report.school}: контингент на {report.on:%d.%m.%Y} (по форме ОО-1)"])
    ws.append(["Параллель", "Классов", "Учащихся", "Мальчиков", "Девочек"])
    for g in report.grades:
        ws.append([g["grade"], g["classes"], g["pupils"], g["boys"], g["girls"]])
    ws.append(["Всего", sum(g["classes"] for g in report.grades), report.total,
               sum(g["boys"] for g in report.grades), sum(g["girls"] for g in report.grades)])
    ws.append([])
    ws.append(["Уровень", "Классов", "Учащихся", "Средняя наполняемость"])
    for lv in report.levels:
        ws.append([lv["level"], lv["classes"], lv["pupils"], lv["average"]])
    ages = wb.create_sheet("По возрасту")
    ages.append([f"Число полных лет на {report.age_on:%d.%m.%Y}"])
    ages.append(["Возраст", *[f"{g} кл." for g in range(1, 12)], "Всего"])
    for age in AGES:
        label = f"{age} и моложе" if age == AGES[0] else f"{age} и старше" if age == AGES[-1] else str(age)
        row = [report.ages.get((age, g), 0) for g in range(1, 12)]
        ages.append([label, *row, sum(row)])
    cls = wb.create_sheet("Классы")
    cls.append(["Класс", "Учащихся", "Мальчиков", "Девочек"])
    for c in report.classes:
        cls.append([c["class"], c["pupils"], c["boys"], c["girls"]])
    st = wb.create_sheet("Работники")
    st.append(["Должность", "Человек"])
    for s in report.staff:
        st.append([s["position"], s["people"]])
    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 28
    from exporters.xlsx_common import neutralise
    neutralise(wb)  # class names and positions are typed by people: never a formula
    out = io.BytesIO()
    wb.save(out)
    audit.record_now(actor, "contingent.exported", school_id=school_id, entity="contingent", entity_id=school_id,
                     detail=f"ОО-1 на {report.on:%d.%m.%Y}")
    return out.getvalue()
