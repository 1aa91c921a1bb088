"""Benchmark: messages on the demo school (`manage.py demo`, one school, the current year).

Figures (targets in brackets):
  unread_count   — the number in the sidebar, counted on every run of every page: unread
                   messages and notices of the class teacher with 200 conversations (≤ 0.02 s)
  inbox          — the class teacher's list of 200 conversations with unread counts (≤ 0.2 s)
  contacts       — whom the class teacher may write to: staff, their class's families (≤ 0.3 s)
  send           — a guardian of 5А starts a conversation with the class teacher: rules
                   checked, message, audit (≤ 0.1 s)

The runs write to a copy of the cached demo file, removed afterwards; the clock is the benches'
BENCH_NOW, inside the school year.

    .venv/bin/python -m bench.messages [--db FILE] [--runs 5] [--json]
"""
from __future__ import annotations

from bench import common

TARGETS = {"unread_count": 0.02, "inbox": 0.2, "contacts": 0.3, "send": 0.1}
THREADS = 200


def main(argv: list[str] | None = None) -> dict:
    args = common.parse_args("Замер переписки на демо-школе.", runs=5, argv=argv, db=common.default_db(1, False))
    import os
    import shutil

    from sqlmodel import select

    from models import User
    from models.db import dispose_all, reading
    from services.comms import messages
    from services.core import auth, clock

    url = common.ensure_demo_db(args.db, schools=1, full_year=False)
    workdir = None
    if url.startswith("sqlite"):
        dispose_all()
        workdir = common.workdir("messages_")
        shutil.copyfile(url.split("///", 1)[1], workdir / "demo.db")
        url = common.db_url(workdir / "demo.db")
    os.environ["DATABASE_URL"] = url
    clock.set_now(common.BENCH_NOW)
    try:
        with reading() as tx:
            ct = auth.load_actor(tx, tx.exec(select(User.id).where(User.login == "class_teacher")).one())
        school_id = ct.home_school_id
        families = [c for c in messages.contacts(ct, school_id) if c.group == "Родители"]
        with reading() as tx:
            parents = [auth.load_actor(tx, c.user_id) for c in families]
        common.log(f"Родителей класса: {len(parents)}; пишу {THREADS} переписок …")
        for i in range(THREADS):
            messages.start_thread(parents[i % len(parents)], school_id, ct.user_id, f"Вопрос {i}", "Текст вопроса")
        sender = parents[0]
        figures = {
            "unread_count": common.figure(common.measure(lambda: messages.unread_total(ct, school_id), args.runs),
                                          TARGETS["unread_count"]),
            "inbox": common.figure(common.measure(lambda: messages.inbox(ct, school_id), args.runs),
                                   TARGETS["inbox"]),
            "contacts": common.figure(common.measure(lambda: messages.contacts(ct, school_id), args.runs),
                                      TARGETS["contacts"]),
            "send": common.figure(common.measure(
                lambda: messages.start_thread(sender, school_id, ct.user_id, "Ещё вопрос", "Текст"), args.runs),
                TARGETS["send"]),
        }
    finally:
        clock.set_now(None)
        dispose_all()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
    common.report(figures, args.json)
    return figures


if __name__ == "__main__":
    main()
