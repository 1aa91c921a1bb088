"""The screens of rosters in Streamlit's AppTest on a small real school (tests/integration/roster_world):
the import shows every problem with its row and column and loads only the valid rows when asked;
the class data and subgroups grids save through the services; credentials are issued with their
slips and ledger; a transfer is registered; the year is closed after its preview; the health
screen makes a backup and lists the errors pages ran into."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select
from streamlit.testing.v1 import AppTest

from models import AcademicYear, AuditEvent, CredentialIssue, Enrollment, SchoolClass, Student, SubgroupMember
from models.db import reading
from services.core.actor import SYSTEM
from services.people import rosters_import
from tests.integration import roster_world as w

MSK = ZoneInfo("Europe/Moscow")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SCRIPT = """
import importlib, os
from models.db import reading
from services.core import auth
with reading() as tx:
    actor = auth.load_actor(tx, int(os.environ["ROSTER_TEST_USER"]))
if os.environ.get("ROSTER_TEST_FAIL"):
    from types import SimpleNamespace
    from ui import web
    web.page_failed(SimpleNamespace(url_path="journal"), RuntimeError(os.environ["ROSTER_TEST_FAIL"]), actor)
importlib.import_module(os.environ["ROSTER_TEST_PAGE"]).render(actor, int(os.environ["ROSTER_TEST_SCHOOL"]))
"""
MOTHER = ("Орлова Ирина Викторовна", "мать", "+7 912 111-22-33", "")


@pytest.fixture
def rw(sqlite_url, frozen_clock):
    frozen_clock(datetime(2026, 8, 25, 10, 0, tzinfo=MSK))
    return w.build()


def page(rw, monkeypatch, name: str, login: str, **env: str) -> AppTest:
    monkeypatch.setenv("ROSTER_TEST_USER", str(rw.users[login]))
    monkeypatch.setenv("ROSTER_TEST_PAGE", name)
    monkeypatch.setenv("ROSTER_TEST_SCHOOL", str(rw.school_id))
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    at = AppTest.from_string(SCRIPT, default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def click(at: AppTest, label: str) -> AppTest:
    found = [b for b in at.button if b.label == label]
    assert found, f"no button «{label}» among {[b.label for b in at.button]}"
    found[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def pupils_in(rw, class_name: str) -> list[str]:
    with reading() as tx:
        return sorted(tx.exec(select(Student.last_name).join(Enrollment, Enrollment.student_id == Student.id)
                              .where(Enrollment.class_id == rw.classes[class_name])).all())


def load_pupils(rw) -> None:
    rows = [w.pupil_row("Орлов", "Максим", g1=MOTHER), w.pupil_row("Павлова", "Вера", sex="ж", birth="02.02.2015"),
            w.pupil_row("Рыбин", "Олег", birth="03.03.2015"), w.pupil_row("Смирнов", "Ян", cls="11А", birth="03.03.2009")]
    assert rosters_import.run_import(SYSTEM, rw.school_id, "pupils", w.workbook(w.PUPIL_HEADERS, rows), "r.xlsx").committed


def test_import_reports_row_and_column_then_loads_only_the_valid_rows(rw, monkeypatch):
    data = w.workbook(w.PUPIL_HEADERS, [w.pupil_row("Орлов", "Максим", g1=MOTHER),
                                        w.pupil_row("", "Вера", sex="ж"),
                                        w.pupil_row("Рыбин", "Олег", birth="31.02.2015"),
                                        w.pupil_row("Павлова", "Вера", sex="Ж", birth="02.02.2015")])
    at = page(rw, monkeypatch, "pages.people.rosters_import", "secretary")
    assert at.title[0].value == "Загрузка из Excel" and "Первоклассники 2026/2027: 0" in at.caption[0].value
    at.file_uploader(key="imp_file_pupils").set_value(("Ученики 5А.xlsx", data, XLSX)).run()
    assert not at.exception
    assert "найдены ошибки: 2 (строк с ошибками: 2 из 4). Ничего не загружено." in at.error[0].value
    problems = at.dataframe[0].value
    assert list(problems.columns) == ["Строка", "Столбец", "Значение", "Ошибка"]
    assert [(r["Строка"], r["Столбец"]) for _, r in problems.iterrows()] == [(3, "Фамилия"), (4, "Дата рождения")]
    assert problems.iloc[1]["Значение"] == "31.02.2015" and "такой даты не бывает" in problems.iloc[1]["Ошибка"]
    assert not [b for b in at.button if b.label == "Загрузить"]          # all or nothing: nothing to press yet
    assert pupils_in(rw, "5А") == []
    at.toggle[0].set_value(True).run()
    click(at, "Загрузить")
    assert "Загружено. Добавлено: 2, обновлено: 0, без изменений: 0, родителей добавлено: 1, пропущено строк: 2" \
        in at.success[-1].value
    assert pupils_in(rw, "5А") == ["Орлов", "Павлова"]


def test_import_offers_a_missing_class_and_maps_an_unknown_layout(rw, monkeypatch):
    headers = ["Surname", *w.PUPIL_HEADERS[1:]]
    data = w.workbook(headers, [w.pupil_row("Орлов", "Максим", cls="7В")])
    at = page(rw, monkeypatch, "pages.people.rosters_import", "secretary")
    at.file_uploader(key="imp_file_pupils").set_value(("list.xlsx", data, XLSX)).run()
    assert "Не все обязательные столбцы узнаны" in at.warning[0].value
    mapping = at.selectbox(key="imp_map_pupils_last_name")
    assert "Surname" in mapping.options
    mapping.set_value("Surname").run()
    assert "Класс" in set(at.dataframe[0].value["Столбец"])              # 7В does not exist in the year
    create = [c for c in at.checkbox if c.label.startswith("Создать недостающие классы: 7В")]
    assert create
    create[0].check().run()
    assert "ошибок нет" in at.success[0].value
    click(at, "Загрузить")
    with reading() as tx:
        assert tx.exec(select(SchoolClass.name).where(SchoolClass.name == "7В")).all() == ["7В"]
    assert at.dataframe[-1].value.iloc[0]["Класс"] == "7В"


def test_class_teacher_edits_pupils_and_opens_a_card(rw, monkeypatch, frozen_clock):
    load_pupils(rw)
    frozen_clock(datetime(2026, 9, 15, 10, 0, tzinfo=MSK))  # the card asks for the pupil's class today
    at = page(rw, monkeypatch, "pages.people.rosters_classes", "ct5")
    assert at.selectbox(key="pupils_class").options == ["5А"]
    key = f"pupils_grid_{rw.classes['5А']}_0"
    at.session_state[key] = {"edited_rows": {0: {"Отчество": "Ильич", "СНИЛС": "112-233-445 95"}},
                             "added_rows": [], "deleted_rows": []}
    at.run()
    click(at, "Сохранить изменения (1)")
    with reading() as tx:
        orlov = tx.exec(select(Student).where(Student.last_name == "Орлов")).one()
        assert (orlov.middle_name, orlov.snils) == ("Ильич", "112-233-445 95")
        assert tx.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "student.updated")).one() == 1
    at.session_state[f"pupils_grid_{rw.classes['5А']}_1"] = {"edited_rows": {1: {"Дата рождения": "31.02.2015"}},
                                                             "added_rows": [], "deleted_rows": []}
    at.run()
    click(at, "Сохранить изменения (1)")
    assert "Ничего не сохранено. Павлова Вера, «Дата рождения»: «31.02.2015» — такой даты не бывает" in at.error[0].value
    at.selectbox(key=f"pupils_card_{rw.classes['5А']}").set_value(orlov.id).run()
    assert [h.value for h in at.subheader] == ["Орлов Максим Ильич"]
    with reading() as tx:
        assert tx.exec(select(AuditEvent.entity_id).where(AuditEvent.action == "student.card_opened")).all() == [
            str(orlov.id)]
    classes = next(d.value for d in at.dataframe if "Основание" in d.value.columns)
    assert list(classes.iloc[0]) == ["5А", "01.09.2026", "по н. в.", "Зачисление"]


def test_subgroups_grid_saves_groups(rw, monkeypatch):
    load_pupils(rw)
    at = page(rw, monkeypatch, "pages.people.rosters_subgroups", "ct5")
    assert "Учебный год начинается 01.09.2026" in at.caption[0].value
    at.session_state[f"subgroups_grid_{rw.classes['5А']}_0_0"] = {
        "edited_rows": {0: {"Английский язык": "1 группа"}, 1: {"Английский язык": "2 группа"},
                        2: {"Английский язык": "1 группа"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert "Английский язык: 1 группа — 2, 2 группа — 1" in at.caption[1].value
    click(at, "Сохранить изменения (3)")
    with reading() as tx:
        assert tx.exec(select(func.count()).select_from(SubgroupMember)).one() == 3


def test_credentials_are_issued_with_slips_and_enter_the_ledger(rw, monkeypatch):
    load_pupils(rw)
    at = page(rw, monkeypatch, "pages.people.rosters_credentials", "ct5")
    click(at, "Выдать реквизиты (4)")                                  # 3 pupils and Орлов's mother
    assert "Реквизиты выданы: 4" in at.success[0].value
    slips = [d for d in at.get("download_button") if "реквизитами" in d.proto.label]
    assert slips, "no slips to download"
    with reading() as tx:
        assert tx.exec(select(func.count()).select_from(CredentialIssue)).one() == 4
    again = page(rw, monkeypatch, "pages.people.rosters_credentials", "ct5")
    ledger = again.dataframe[-1].value
    assert sorted(ledger["Логин"]) == ["orlov.m", "orlova.iv", "pavlova.v", "rybin.o"]
    assert set(ledger["Класс"]) == {"5А"} and set(ledger["Кто выдал"]) == {"Ct5 Тест"}
    assert set(ledger["Вид"]) == {"выдача"}
    assert [b.label for b in again.button if b.label.startswith("Выдать реквизиты")] == ["Выдать реквизиты (0)"]


def test_secretary_transfers_a_pupil_and_sees_the_register(rw, monkeypatch):
    load_pupils(rw)
    at = page(rw, monkeypatch, "pages.people.rosters_movement", "secretary")
    at.selectbox(key="move_from").set_value(rw.classes["5А"]).run()
    with reading() as tx:
        orlov = tx.exec(select(Student.id).where(Student.last_name == "Орлов")).one()
    at.selectbox(key=f"move_pupil_{rw.classes['5А']}").set_value(orlov).run()
    at.selectbox(key="move_to").set_value(rw.classes["5Б"]).run()
    at.date_input(key="move_transfer_on").set_value(date(2026, 9, 14)).run()
    at.text_input(key="move_transfer_order").input("12-уч").run()
    click(at, "Перевести")
    assert pupils_in(rw, "5Б") == ["Орлов"]
    at.date_input(key="move_span").set_value((date(2026, 9, 1), date(2026, 9, 30))).run()
    register = at.dataframe[0].value
    assert list(register["Событие"]) == ["Прибытие", "Прибытие", "Прибытие", "Прибытие", "Перевод"]
    assert list(register.iloc[-1][["Дата", "Ученик", "Событие", "Из класса", "В класс", "Приказ"]]) == [
        "14.09.2026", "Орлов Максим", "Перевод", "5А", "5Б", "12-уч"]
    with reading() as tx:
        rybin = tx.exec(select(Student.id).where(Student.last_name == "Рыбин")).one()
    at.segmented_control(key="move_kind").set_value("departure").run()
    at.selectbox(key=f"move_pupil_{rw.classes['5А']}").set_value(rybin).run()
    at.date_input(key="move_departure_on").set_value(date(2026, 9, 21)).run()
    click(at, "Оформить выбытие")
    with reading() as tx:
        assert tx.get(Student, rybin).left_on == date(2026, 9, 20)         # his enrolment in 5А stays, ended
    at.segmented_control(key="move_kind").set_value("arrival").run()
    assert at.selectbox(key="move_back").options == ["Рыбин Олег (выбыл(а) 21.09.2026)"]
    at.selectbox(key="move_back_to").set_value(rw.classes["5Б"]).run()
    at.date_input(key="move_arrival_on").set_value(date(2026, 10, 5)).run()
    click(at, "Оформить прибытие")
    at.date_input(key="move_span").set_value((date(2026, 9, 1), date(2026, 10, 31))).run()
    assert list(at.dataframe[0].value["Событие"])[-2:] == ["Выбытие", "Прибытие"]
    assert pupils_in(rw, "5Б") == ["Орлов", "Рыбин"]


def test_year_is_closed_after_the_preview(rw, monkeypatch, frozen_clock, tmp_path):
    load_pupils(rw)
    frozen_clock(datetime(2027, 6, 20, 10, 0, tzinfo=MSK))
    at = page(rw, monkeypatch, "pages.planning.year_close", "admin", PORTAL_ARCHIVE_DIR=str(tmp_path / "archives"))
    assert [(m.label, m.value) for m in at.metric] == [("Переводятся", "3"), ("Условно", "0"), ("Повторно", "0"),
                                                       ("Выпуск", "1"), ("Выбывают", "0")]
    order = ["Орлов", "Павлова", "Рыбин", "Смирнов"]  # by grade, class and name
    at.session_state["yclose_grid_"] = {"edited_rows": {order.index("Рыбин"): {
        "Решение": "Оставлен на повторное обучение"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert [m.value for m in at.metric][2] == "1"
    assert [b for b in at.button if b.label == "Закрыть учебный год"][0].disabled
    assert any("Нагрузка учителей переходит с классом" in m.value for m in at.markdown)  # issue 15
    assert any("Перед закрытием будет сформирован архив журналов года" in i.value for i in at.info)  # 5.13
    at.checkbox(key="yclose_sure").check().run()
    click(at, "Закрыть учебный год")   # the archive first, then the closing
    assert [p.name for p in (tmp_path / "archives").glob("*.zip")] == [f"archive_school{rw.school_id}_2026-2027.zip"]
    with reading() as tx:
        assert tx.get(AcademicYear, rw.year_id).is_closed
        now_in = dict(tx.exec(select(Student.last_name, SchoolClass.name).join(
            Enrollment, Enrollment.student_id == Student.id).join(SchoolClass, SchoolClass.id == Enrollment.class_id)
            .where(Enrollment.starts_on == date(2027, 9, 1))).all())
    assert now_in == {"Орлов": "6А", "Павлова": "6А", "Рыбин": "5А"}


def test_health_screen_makes_a_backup_and_lists_page_errors(rw, monkeypatch, tmp_path):
    env = {"PORTAL_BACKUP_DIR": str(tmp_path / "backups")}
    at = page(rw, monkeypatch, "pages.admin.system_health", "admin", ROSTER_TEST_FAIL="Тестовый сбой страницы", **env)
    assert "Резервных копий ещё нет" in at.error[0].value
    errors = at.dataframe[0].value
    assert list(errors["Где"]) == ["page /journal"] and "Тестовый сбой страницы" in errors.iloc[0]["Что"]
    assert [(m.label, m.value) for m in at.metric][1:3] == [("Последняя резервная копия", "нет"),
                                                             ("Ошибок за сутки", "1")]
    click(at, "Сделать резервную копию")
    assert "Копия сделана: portal-" in at.success[-1].value
    assert [d.proto.label for d in at.get("download_button")][-1] == "Скачать копию"
    monkeypatch.delenv("ROSTER_TEST_FAIL")
    again = page(rw, monkeypatch, "pages.admin.system_health", "admin", **env)
    assert "Резервная копия свежая" in again.success[0].value and not again.error
    assert "Недостаточно прав" in page(rw, monkeypatch, "pages.admin.system_health", "secretary").error[0].value


def test_the_administrator_sees_overdue_hand_overs_and_issues_staff_credentials(rw, monkeypatch, frozen_clock):
    load_pupils(rw)
    frozen_clock(datetime(2026, 9, 25, 10, 0, tzinfo=MSK))            # past 10 working days after 1 September
    at = page(rw, monkeypatch, "pages.people.rosters_credentials", "admin")
    assert at.warning[0].value == "По школе просрочена выдача реквизитов: 4 уч. — 5А: 3, 11А: 1"
    assert at.selectbox(key="cred_class").options == ["1А", "5А", "5Б", "6А", "9А", "11А"]
    at.segmented_control(key="cred_scope").set_value("staff").run()
    assert list(at.dataframe[-1].value["Группа"]) == ["Учителя", "Ученики", "Родители"]
    click(at, "Выдать реквизиты (1)")
    assert "Реквизиты выданы: 1" in at.success[0].value
    with reading() as tx:
        assert tx.exec(select(CredentialIssue.recipient)).all() == ["Math Учитель"]
    ct = page(rw, monkeypatch, "pages.people.rosters_credentials", "ct5")  # (the script reads the user anew on each run)
    assert "Просрочена выдача реквизитов: 3" in ct.error[0].value and not ct.warning
