"""Benchmark: the journal and the diary in a real browser (issue 14, item 8). Playwright drives
Debian's Chromium (/usr/bin/chromium) against `streamlit run app.py` on a copy of the full-year
demo (`manage.py demo --full-year`, cached under data/bench/), the app's clock (PORTAL_FAKE_NOW)
at 10 March 2026 15:00 Moscow, inside 2025/2026's third quarter, so the edit window is open.
A window of 1440×900; the demo teacher and the demo parent, signed in once each.

Figures (targets in brackets):
  journal_open_s         sidebar click «Журнал» (from «Мой профиль») in the running app → the grid
                         filled (≤ 0.6 s)
  journal_load_s         a full page load of /journal with the session cookie → the grid filled (≤ 1.5 s)
  save_after_last_key_s  three marks typed down a column (type, Enter), «Сохранить» clicked as soon as
                         it can be: from the last key to the saved state shown (≤ 0.8 s); a run
                         that shows no saved state within 15 s counts as 15 s
  diary_open_s           the parent's sidebar click «Дневник» (from «Мой профиль») → the week's marks
                         visible (≤ 0.4 s)
  diary_load_s           a full page load of /diary → the week's marks visible (≤ 1.2 s)
  server_cpu_save_ms     CPU time (user + system) of the app process over one save of three marks, from
                         the first key to the saved state (≤ 150 ms; reported as a count of ms)
  lost_marks             marks missing from the database after the fast-typing run: 25 marks down a
                         column (Enter), Ctrl+Home and the arrow keys to a row, 10 marks across it (Tab),
                         no waits between keys, «Сохранить» once (0)

What the bench waits on (what the user sees, so that it works on any version of the journal page):
  - «the grid filled»: an editable cell of the journal grid is in the page (glide-data-grid's
    accessible table, `[data-testid^="glide-cell-"]` inside `[data-testid="stDataFrame"]`) and the
    app has finished every run the browser asked for (bench/app_state.py);
  - «the saved state shown»: a saved confirmation is visible (a text with «сохранен…», not «не
    сохранено»: bench.browser.SAVED) and the app's runs are over;
    afterwards (untimed) the values are read back from the database, and marks missing there are
    reported on stderr;
  - «the week's marks visible»: the diary's «Отметки за неделю» (`.diary-week-marks`) is visible
    and the runs are over.
A cell is typed into as a teacher would: a click on the pupil's name in its row, the arrow keys
to its column (the grid scrolls; the grid's accessible table, which follows the selection, must
then name that column and row, else the bench stops), then keys: the value and Enter (down) or
Tab (right). Every save run starts from the same state:
its cells are emptied through the service (untimed), then the page is loaded afresh.

The median of --runs runs (default 7) after --warmups (default 2). CPU on a shared machine makes
the figures noisy: give the command and the median of several invocations.

    .venv/bin/python -m bench.browser [--db FILE] [--runs 7] [--warmups 2] [--json] [--screenshots DIR]
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bench import app_state, common
from services.core import clock

TARGETS = {"journal_open_s": 0.6, "journal_load_s": 1.5, "save_after_last_key_s": 0.8, "diary_open_s": 0.4,
           "diary_load_s": 1.2, "server_cpu_save_ms": 150, "lost_marks": 0}
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=clock.MOSCOW)  # inside the full-year demo's 2025/2026
VIEWPORT = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
GRID = '[data-testid="stMain"] [data-testid="stDataFrame"]'
CELL = '[data-testid^="glide-cell-"]'  # a cell of the grid's accessible table: the data has arrived
GRID_FILLED = (GRID, CELL)
WEEK_MARKS = (".diary-week-marks", "")
# a saved confirmation: «Сохранено клеток: 3.», «3 отметки сохранены»; not «не сохранено», «Несохранённых: 3»
SAVED = re.compile(r"^(?!.*не\s*сохран)(?:.*[\s«(])?сохранен", re.IGNORECASE | re.DOTALL)


@dataclass
class Target:
    """The journal the teacher's page opens first, and the cells the bench types into."""
    teacher: object
    choice: object
    period: object
    column_cells: list[tuple[int, int, str]]  # (row, student id, column label) down one column
    row_cells: list[tuple[int, int, str]]     # (row, student id, column label) across one row
    column_index: dict[str, int]              # column label → its place right of the pupil's name


def main(argv: list[str] | None = None, browser=None) -> dict:
    """Run the bench; `browser`: a Chromium that Playwright already drives in this thread (a test's),
    else the bench launches its own."""
    p = common.parser("Замер в браузере: журнал и дневник в Chromium на демо-школе (полный год).", runs=7,
                      db=common.default_db(1, True))
    p.add_argument("--warmups", type=int, default=2, help="сколько прогонов перед замером (не считаются)")
    p.add_argument("--screenshots", default="", help="папка для снимков: журнал 1440×900, дневник 390×844")
    args = p.parse_args(argv)
    if args.runs < 1 or args.warmups < 0:
        raise SystemExit("--runs: нужно хотя бы одно повторение; --warmups: не меньше нуля")
    if not Path(app_state.CHROMIUM).exists():
        common.refuse(f"нет Chromium в {app_state.CHROMIUM} (apt-get install chromium).")
    with common.demo_copy(args.db, schools=1, full_year=True, now=NOW, prefix="browser_") as url:
        common.require_current_year(url)
        target = _target()
        with _app(url) as (base, proc):
            if browser is not None:
                figures = _measure(browser, base, proc, target, args)
            else:
                from playwright.sync_api import sync_playwright

                with sync_playwright() as pw:
                    own = pw.chromium.launch(executable_path=app_state.CHROMIUM, args=app_state.CHROMIUM_ARGS)
                    try:
                        figures = _measure(own, base, proc, target, args)
                    finally:
                        own.close()
    common.report(figures, args.json)
    return figures


# ------------------------------------------------------------------ the dataset
def _actor(login: str):
    from sqlmodel import select

    from models import User
    from models.db import reading
    from services.core import auth

    with reading() as tx:
        user_id = tx.exec(select(User.id).where(User.login == login)).first()
        if user_id is None:
            common.refuse(f"в базе нет демо-пользователя «{login}»: нужна база `manage.py demo --full-year`.")
        return auth.load_actor(tx, user_id)


def _target() -> Target:
    """The first journal of the teacher's list (what the page opens), the current period, the
    page's default span (two weeks either side of today); the cells to type into: the pupils of
    the latest lesson up to today that may be edited (down the column), and the last editable
    work columns up to today of one pupil (across the row)."""
    from services.journal import grid as journal

    teacher = _actor("teacher")
    school_id = teacher.home_school_id
    choices = journal.choices(teacher, school_id)
    if not choices:
        common.refuse("у демо-учителя нет классов и предметов в текущем учебном году.")
    choice = choices[0]
    periods, current = journal.periods(school_id, choice.year_id)
    period = next(p for p in periods if p.id == current)
    today = clock.today()
    lo, hi = _shown(period, today)
    grid = journal.load_grid(teacher, choice.class_id, choice.subject_id, period_id=period.id,
                             subgroup_id=choice.subgroup_id, date_from=lo, date_to=hi)
    editable = [c for c in grid.columns if c.lesson_id in grid.editable_lessons and c.lesson_date <= today]
    if not editable:
        common.refuse(f"в журнале {grid.class_name}, {grid.subject_name} нет уроков до {today:%d.%m.%Y}, "
                      "которые учитель может заполнить.")
    last = editable[-1]
    rows = [(i, p.student_id) for i, p in enumerate(grid.pupils) if p.enrolled_on(last.lesson_date)]
    column_cells = [(i, sid, last.label) for i, sid in rows]
    index = {c.label: n for n, c in enumerate(grid.columns)}
    # the longest stretch of adjacent editable columns ending at the last one (Tab moves right)
    stretch = [last]
    for c in reversed(editable[:-1]):
        if index[c.label] != index[stretch[0].label] - 1:
            break
        stretch.insert(0, c)
    stretch = stretch[-10:]
    pupil_row, pupil_id = rows[len(rows) // 2]
    row_cells = [(pupil_row, pupil_id, c.label) for c in stretch if grid.pupils[pupil_row].enrolled_on(c.lesson_date)]
    common.log(f"Журнал {grid.class_name}, {grid.subject_name}, {grid.period_name}: учеников {len(grid.pupils)}, "
               f"столбцов {len(grid.columns)}; по столбцу «{last.label}» {len(column_cells)} клеток, по строке "
               f"{len(row_cells)}.")
    return Target(teacher, choice, period, column_cells, row_cells, {c.label: n + 1 for n, c in enumerate(grid.columns)})


def _grid(target: Target):
    from services.journal import grid as journal

    today = clock.today()
    return journal.load_grid(target.teacher, target.choice.class_id, target.choice.subject_id,
                             period_id=target.period.id, subgroup_id=target.choice.subgroup_id,
                             date_from=_shown(target.period, today)[0], date_to=_shown(target.period, today)[1])


def _shown(period, today):
    """The days the journal page shows by default (services/rules/journal_screen.shown_range)."""
    from services.rules.journal_screen import shown_range
    return shown_range(period.starts_on, period.ends_on, today, False)


def _empty(target: Target, cells: list[tuple[int, int, str]]) -> None:
    """Empty the cells through the service (untimed): every run starts from the same state."""
    from services.journal import grid as journal

    grid = _grid(target)
    filled = {(sid, label): "" for _, sid, label in cells if grid.cells.get((sid, label), "") != ""}
    if filled:
        result = journal.save_cells(target.teacher, journal.diff(grid, filled))
        if not result.ok:
            raise SystemExit(f"не удалось очистить клетки перед замером: {result}")


def _missing(target: Target, expected: dict[tuple[int, str], str]) -> int:
    grid = _grid(target)
    return sum(1 for key, value in expected.items() if grid.cells.get(key) != value)


# ------------------------------------------------------------------ the app and the browser
class _app:
    """`streamlit run app.py` on a free port over the database, the clock at NOW."""

    def __init__(self, url: str):
        self.url = url

    def __enter__(self):
        from services.core import config

        port = app_state.free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
        env.update(DATABASE_URL=self.url, PORTAL_FAKE_NOW=NOW.isoformat())
        self.log = open(Path(self.url.split("///", 1)[1]).with_name("streamlit.log") if self.url.startswith("sqlite")
                        else os.devnull, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--browser.gatherUsageStats", "false", "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.fileWatcherType", "none"], cwd=config.ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            app_state.wait_for(f"{base}/_stcore/health", b"ok", 90, self.proc)
        except Exception:
            self.__exit__(None, None, None)
            raise
        return base, self.proc

    def __exit__(self, *exc):
        app_state.stop(self.proc)
        self.log.close()


def _cpu_ms(pid: int) -> float:
    """User + system CPU time of a process so far, in ms (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def _sign_in(context, base: str, login: str, password: str):
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(base)
    page.get_by_label("Логин").fill(login)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти", exact=True).click()
    page.get_by_role("button", name="Выйти").wait_for()
    app_state.settle(page, 60_000)
    return page


def _timed(page, action, shown: tuple[str, str]) -> float:
    started = time.perf_counter()
    action()
    app_state.wait_shown(page, *shown)
    return time.perf_counter() - started


def _menu(page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()


def _open_from_profile(page, title: str, shown: tuple[str, str]) -> float:
    _menu(page, "Мой профиль")
    page.get_by_role("heading", name="Мой профиль").wait_for()
    app_state.settle(page, 60_000)
    return _timed(page, lambda: _menu(page, title), shown)


def _load(page, url: str, shown: tuple[str, str]) -> float:
    return _timed(page, lambda: page.goto(url, wait_until="commit"), shown)


_SELECTED = """([grid, label, row]) => {
  const g = document.querySelector(grid);
  const chosen = g && g.querySelector('td[aria-selected="true"]');
  if (!chosen || +chosen.closest("tr").getAttribute("aria-rowindex") !== row + 2) return false;
  const head = g.querySelector(`th[aria-colindex="${chosen.getAttribute("aria-colindex")}"]`);
  return !!head && (head.textContent.trim() === label || head.textContent.includes(label));
}"""


def _focus(page, target: Target, label: str, row: int) -> None:
    """Select a cell of the grid as a teacher would: click the first pupil's name, then the arrow
    keys down to the row and across to the column (the grid scrolls). The grid's accessible table (which follows the
    selection) must then name that column and row, else the bench stops: the page's layout is
    not what it expects."""
    grid = page.locator(GRID).first
    height = getattr(_journal_page(), "ROW_HEIGHT", 35)
    for attempt in range(3):  # a grid that has just been drawn may not take the very first click
        grid.click(position={"x": 20, "y": height + height // 2})  # the first pupil: the grid shows some rows
        for _ in range(row):
            page.keyboard.press("ArrowDown")
        for _ in range(target.column_index[label]):
            page.keyboard.press("ArrowRight")
        try:
            page.wait_for_function(_SELECTED, arg=[GRID, label, row], timeout=5_000, polling="raf")
            return
        except Exception:
            page.keyboard.press("Escape")
    raise SystemExit(f"не удалось выбрать клетку «{label}», строка {row + 1}, в таблице журнала")


def _journal_page():
    from pages.journal import teacher_journal
    return teacher_journal


def _type(page, target: Target, cells: list[tuple[int, int, str]], values: list[str], key: str,
          first: bool = True) -> None:
    """Go to the first cell, then for each value: the value and `key` (Enter: down; Tab: right),
    no waits between keys. The `first` typing of a page selects its cell (_focus) and waits
    until the grid shows it selected; a later one goes there by keys at once: Ctrl+Home (the
    first pupil's name), the arrow keys down to the row and across to the column."""
    row, _, label = cells[0]
    if first:
        _focus(page, target, label, row)
    else:
        for k in ["Control+Home"] + ["ArrowDown"] * row + ["ArrowRight"] * target.column_index[label]:
            page.keyboard.press(k)
    for value in values:
        page.keyboard.type(value)
        page.keyboard.press(key)


SAVE_TIMEOUT_S = 15.0  # a save that shows no saved state in this time counts as taking this long


def _save_and_wait(page) -> bool:
    """Click «Сохранить» as soon as it can be clicked, wait for the saved state; False when the
    button stayed disabled or no saved state came (e.g. every typed mark was lost in reruns)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.perf_counter() + SAVE_TIMEOUT_S
    try:
        page.get_by_role("button", name="Сохранить", exact=True).first.click(timeout=SAVE_TIMEOUT_S * 1000)
        page.get_by_text(SAVED).first.wait_for(timeout=max(1.0, deadline - time.perf_counter()) * 1000)
        app_state.wait_shown(page, "body", timeout=max(1.0, deadline - time.perf_counter()) * 1000)
    except PlaywrightTimeout:
        return False
    return True


def _fresh_journal(page, base: str, target: Target, cells) -> None:
    _empty(target, cells)
    page.goto(f"{base}/journal")
    app_state.wait_shown(page, *GRID_FILLED)
    app_state.settle(page, 60_000)


def _save_run(page, base: str, target: Target, pid: int, check: bool = True) -> tuple[float, float]:
    """Three marks down the column: seconds from the last key to the saved state, CPU ms of the app."""
    cells = target.column_cells[:3]
    values = ["5", "4", "3"]
    _fresh_journal(page, base, target, cells)
    row, _, label = cells[0]
    _focus(page, target, label, row)
    cpu = _cpu_ms(pid)  # from the first key
    for value in values[:-1]:
        page.keyboard.type(value)
        page.keyboard.press("Enter")
    page.keyboard.type(values[-1])
    page.keyboard.press("Enter")  # the last key
    started = time.perf_counter()
    saved = _save_and_wait(page)
    seconds = time.perf_counter() - started if saved else SAVE_TIMEOUT_S
    cpu = _cpu_ms(pid) - cpu
    if not saved:
        common.log(f"  сохранение трёх отметок: за {SAVE_TIMEOUT_S:.0f} с не показано «сохранено» (засчитано "
                   f"{SAVE_TIMEOUT_S:.0f} с)")
    if check:
        lost = _missing(target, {(sid, lab): v for (_, sid, lab), v in zip(cells, values)})
        if lost:
            common.log(f"  сохранение трёх отметок: потеряно {lost} из 3")
    return seconds, cpu


def _lost_marks(page, base: str, target: Target) -> int:
    """25 marks down a column (Enter) and 10 across a row (Tab), no waits between keys, one save."""
    down = target.column_cells[:25]
    across = [c for c in target.row_cells if (c[1], c[2]) not in {(d[1], d[2]) for d in down}][:10]
    _fresh_journal(page, base, target, down + across)
    cycle = ["5", "4", "3", "2", "5"]
    expected = {}
    down_values = [cycle[i % 5] for i in range(len(down))]
    _type(page, target, down, down_values, "Enter")
    expected.update({(sid, label): v for (_, sid, label), v in zip(down, down_values)})
    if across:
        across_values = [cycle[(i + 1) % 5] for i in range(len(across))]
        _type(page, target, across, across_values, "Tab", first=False)
        expected.update({(sid, label): v for (_, sid, label), v in zip(across, across_values)})
    if not _save_and_wait(page):  # nothing saved at all (e.g. the button never enabled): every mark is lost
        common.log("  быстрый ввод: «сохранено» не показано")
    lost = _missing(target, expected)
    common.log(f"  быстрый ввод: {len(expected)} отметок ({len(down)} по столбцу, {len(across)} по строке), "
               f"потеряно {lost}")
    return lost


def _measure(browser, base: str, proc, target: Target, args) -> dict:
    from data import demo

    logins = demo.demo_logins(1)
    times: dict[str, list[float]] = {k: [] for k in TARGETS if k != "lost_marks"}
    contexts = []
    try:
        for _ in ("teacher", "parent"):
            context = browser.new_context(viewport=VIEWPORT, locale="ru-RU")
            app_state.track(context)
            contexts.append(context)
        teacher = _sign_in(contexts[0], base, **logins["teacher"])
        parent = _sign_in(contexts[1], base, **logins["parent"])
        total = args.warmups + args.runs
        for n in range(total):
            warm = n < args.warmups
            common.log(f"{'Разогрев' if warm else 'Прогон'} {n + 1 - (0 if warm else args.warmups)} …")
            run = {
                "journal_open_s": _open_from_profile(teacher, "Журнал", GRID_FILLED),
                "journal_load_s": _load(teacher, f"{base}/journal", GRID_FILLED),
                "diary_open_s": _open_from_profile(parent, "Дневник", WEEK_MARKS),
                "diary_load_s": _load(parent, f"{base}/diary", WEEK_MARKS),
            }
            run["save_after_last_key_s"], run["server_cpu_save_ms"] = _save_run(teacher, base, target, proc.pid)
            if not warm:
                for k, v in run.items():
                    times[k].append(v)
        lost = _lost_marks(teacher, base, target)
        if args.screenshots:
            _screenshots(browser, base, logins, Path(args.screenshots))
    finally:
        for context in contexts:
            context.close()
    figures = {k: common.figure(v, TARGETS[k], "ms" if k == "server_cpu_save_ms" else "s")
               for k, v in times.items()}
    figures["lost_marks"] = common.figure([lost], 0, "count")
    return {k: figures[k] for k in TARGETS}


def _screenshots(browser, base: str, logins: dict, folder: Path) -> None:
    """The journal at 1440×900 as it opens; the diary's week and marks at a phone's 390×844."""
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=VIEWPORT, locale="ru-RU")
    app_state.track(context)
    page = _sign_in(context, base, **logins["teacher"])
    page.goto(f"{base}/journal")
    app_state.wait_shown(page, *GRID_FILLED)
    app_state.settle(page, 60_000)
    page.screenshot(path=str(folder / "journal_1440x900.png"))
    context.close()
    context = browser.new_context(viewport=PHONE, locale="ru-RU", is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    app_state.track(context)
    page = _sign_in(context, base, **logins["parent"])
    app_state.wait_shown(page, *WEEK_MARKS)
    app_state.settle(page, 60_000)
    page.screenshot(path=str(folder / "diary_390x844.png"))
    page.locator(".diary-lesson").filter(has=page.locator(".diary-mark")).first.scroll_into_view_if_needed()
    app_state.settle(page, 60_000)
    page.screenshot(path=str(folder / "diary_390x844_lessons.png"))
    page.screenshot(path=str(folder / "diary_390x844_full.png"), full_page=True)
    page.get_by_role("tab", name="Отметки по предметам").click()
    page.locator(".diary-subjects").wait_for()
    app_state.settle(page, 60_000)
    page.screenshot(path=str(folder / "diary_390x844_subjects.png"), full_page=True)
    wide = page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
    common.log(f"Снимки в {folder}; дневник шире экрана 390 px: {'да' if wide else 'нет'}")
    context.close()


if __name__ == "__main__":
    main()
