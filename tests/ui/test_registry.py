"""The page registry of ui/web.py: every page names a known action and exists, and no
address equals a file name of pages/ (Streamlit's legacy pages/ mode would run that file
directly, bypassing app.py, on the first request after a restart)."""
from __future__ import annotations

import importlib
from pathlib import Path

from services.core import policy
from services.core.actor import Actor, Grant
from ui import web

ROOT = Path(__file__).resolve().parents[2]


def test_every_page_names_a_known_action_and_exists():
    for spec in (*web.PAGES, web.SIGN_IN):
        assert spec.action in policy.RULES, spec
        assert bool(spec.file) != bool(spec.render), spec
        if spec.file:
            assert (ROOT / spec.file).is_file(), spec
            source = (ROOT / spec.file).read_text(encoding="utf-8")
            assert f'page_start("{spec.action}"' in source or spec is web.SIGN_IN, spec
        else:
            module, function = spec.render.split(":")
            assert (ROOT / (module.replace(".", "/") + ".py")).is_file(), spec


def test_no_address_is_a_file_name_of_pages():
    stems = {p.stem for p in (ROOT / "pages").glob("*.py")}
    keys = [spec.key for spec in web.PAGES] + ["sign-in"]
    assert len(keys) == len(set(keys))
    assert not stems & set(keys)


def test_pages_holds_screens_only_each_in_its_section():
    """One screen per file, in the folder of its section (pages/journal/, pages/people/, …): every file
    under pages/ is a page of the registry or one of app.py's own (the first run, the letters' links);
    parts shared by screens live in ui/. pages/public.py alone stays at the top: there its file name
    is its address (/public), which Streamlit's legacy pages/ routing serves on the first request
    after a start."""
    assert sorted(p.name for p in (ROOT / "pages").glob("*.py")) == ["public.py"]
    registered = {spec.file for spec in (*web.PAGES, web.SIGN_IN) if spec.file}
    registered |= {spec.render.split(":")[0].replace(".", "/") + ".py" for spec in web.PAGES if spec.render}
    own = {"pages/admin/first_run.py", "pages/account/mail_link.py"}  # app.py: web.first_run_pages, mail_link_pages
    found = {p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*/*.py")}
    assert found == registered | own, (sorted(found - registered - own), sorted((registered | own) - found))
    assert not list((ROOT / "pages").glob("*/*/*.py")), "one level of sections"


def test_menus_by_role():
    def actor(*roles, school=1, municipality=None):
        return Actor(user_id=1, login="x", name="x",
                     grants=tuple(Grant(role=r, school_id=None if r == "coordinator" else school,
                                        municipality_id=municipality if r == "coordinator" else None)
                                  for r in roles))

    def titles(a, school=1, municipality=None):
        return [s.title for s in web.menu_specs(a, school, municipality)]

    comms = ["Сообщения", "Объявления", "Документы", "Сообщить о неточности"]  # issue 8
    account = ["Мой профиль", "Уведомления на почту"]  # issue 16: notifications by e-mail
    assert titles(actor("parent")) == ["Дневник", "Расписание", *comms, *account]  # issue 4: timetable
    assert titles(actor("student")) == ["Дневник", "Расписание", *comms, *account]
    assert "Почта и уведомления" in titles(actor("admin")) and "Почта и уведомления" not in titles(actor("director"))
    assert "Мой класс" in titles(actor("teacher", "class_teacher")) and "Мой класс" not in titles(actor("teacher"))
    assert titles(actor("admin"))[:3] == ["Ученики и родители", "Подгруппы", "Выдача реквизитов"]
    assert [s for s, _ in web.MENU] == ["Работа", "Ученики и сотрудники", "Планирование", "Отчёты", "Контроль",
                                      "Общение", "Администрирование", "Учётная запись"]
    assert {web.section_of(s) for s in web.menu_specs(actor("admin"), 1, None)} == {s for s, _ in web.MENU}
    assert "Пользователи и роли" in titles(actor("director"))
    assert not {"Пользователи и роли", "Журнал событий"} & set(titles(actor("teacher", "class_teacher")))
    assert "Отчёт классного руководителя" in titles(actor("teacher", "class_teacher"))
    assert titles(actor("admin"), school=2) == ["Мой профиль"]  # another school chosen: nothing there
    assert titles(actor("coordinator", municipality=5), school=None, municipality=5) == [
        "Школы муниципалитета", "Документы муниципалитета", "Мой профиль"]  # issue 19: its documents (4.1)


def test_each_role_starts_on_its_everyday_screen():
    def start(*roles):
        a = Actor(user_id=1, login="x", name="x", grants=tuple(Grant(role=r, school_id=1) for r in roles))
        return web.start_page(a, web.menu_specs(a, 1, None)).title

    assert start("parent") == start("student") == "Дневник"
    assert start("class_teacher") == "Мой класс"
    assert start("admin") == "Пользователи и роли"
    assert start("director") == start("deputy") == "Показатели школы"


def test_render_pages_import():
    for spec in web.PAGES:
        if spec.render:
            module, function = spec.render.split(":")
            assert callable(getattr(importlib.import_module(module), function)), spec
