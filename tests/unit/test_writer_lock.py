"""The in-process queue of SQLite writers (models.db._FairLock): first come, first served,
re-entrant, and a waiter that gives up never blocks the ones behind it."""
from __future__ import annotations

import threading
import time

import pytest

from models.db import _FairLock


def _start(target, *args) -> threading.Thread:
    t = threading.Thread(target=target, args=args, daemon=True)
    t.start()
    return t


def test_waiters_are_served_in_the_order_they_came():
    lock, order = _FairLock(), []
    lock.acquire()
    lock.acquire()  # re-entrant: the same thread again
    threads = []
    for n in range(8):
        threads.append(_start(lambda n=n: (lock.acquire(), order.append(n), lock.release())))
        while lock.waiting() != n + 1:  # this waiter is in the queue before the next one starts
            time.sleep(0.001)
    lock.release()
    time.sleep(0.05)
    assert order == []  # still held once
    lock.release()
    for t in threads:
        t.join(5)
    assert order == list(range(8))


def test_a_release_by_another_thread_is_refused():
    lock = _FairLock()
    lock.acquire()
    errors = []
    t = _start(lambda: errors.append(pytest.raises(RuntimeError, lock.release)))
    t.join(5)
    assert errors
    lock.release()


def test_a_waiter_that_gives_up_does_not_block_the_queue():
    lock, got = _FairLock(), []
    lock.acquire()

    class GiveUp(Exception):
        pass

    def impatient():
        lock._wait = lambda gate: (_ for _ in ()).throw(GiveUp())  # interrupted while waiting
        try:
            lock.acquire()
        except GiveUp:
            got.append("gave up")
        finally:
            del lock._wait

    _start(impatient).join(5)
    assert got == ["gave up"] and lock.waiting() == 0
    patient = _start(lambda: (lock.acquire(), got.append("served"), lock.release()))
    lock.release()
    patient.join(5)
    assert got == ["gave up", "served"]
    lock.acquire()  # and the lock is free again
    lock.release()


def test_a_waiter_interrupted_just_as_its_turn_came_passes_the_lock_on():
    lock, got = _FairLock(), []
    lock.acquire()

    class GiveUp(Exception):
        pass

    def wait(gate):
        gate.acquire()  # the turn came …
        if threading.current_thread().name == "impatient":
            raise GiveUp()  # … and this thread was interrupted before it could use it

    def impatient():
        try:
            lock.acquire()
        except GiveUp:
            got.append("gave up")

    lock._wait = wait
    first = threading.Thread(target=impatient, name="impatient", daemon=True)
    first.start()
    while lock.waiting() != 1:
        time.sleep(0.001)
    patient = _start(lambda: (lock.acquire(), got.append("served"), lock.release()))
    while lock.waiting() != 2:
        time.sleep(0.001)
    lock.release()
    first.join(5)
    patient.join(5)
    assert got == ["gave up", "served"]
    lock.acquire()  # and the lock is free again
    lock.release()
