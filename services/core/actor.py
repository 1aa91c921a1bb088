"""The signed-in actor: who they are and the facts the policy needs, as plain values."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Grant:
    role: str
    school_id: int | None = None
    municipality_id: int | None = None
    class_id: int | None = None
    grades: frozenset[int] = frozenset()
    subject_ids: frozenset[int] = frozenset()
    grant_id: int | None = None


@dataclass(frozen=True)
class Actor:
    user_id: int
    login: str
    name: str
    grants: tuple[Grant, ...] = ()
    staff_ids: frozenset[int] = frozenset()          # Staff rows of this user (all schools)
    teaches: frozenset[tuple[int, int]] = frozenset()  # (class_id, subject_id) by assignment
    student_ids: frozenset[int] = frozenset()         # the user as a pupil
    children: frozenset[int] = frozenset()            # pupils whose guardian this user is
    child_class_ids: frozenset[int] = frozenset()     # current classes of self / children
    must_change_password: bool = False
    session_id: int | None = None
    is_system: bool = False  # the operator at the command line (manage.py), never a web user
    school_municipality: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(g.role for g in self.grants)

    def has_role(self, role: str) -> bool:
        return any(g.role == role for g in self.grants)

    def school_ids(self) -> frozenset[int]:
        return frozenset(g.school_id for g in self.grants if g.school_id is not None)

    def grants_of(self, role: str) -> tuple[Grant, ...]:
        return tuple(g for g in self.grants if g.role == role)

    @property
    def home_school_id(self) -> int | None:
        ids = sorted(self.school_ids())
        return ids[0] if ids else None

    @property
    def municipality_ids(self) -> frozenset[int]:
        return frozenset(g.municipality_id for g in self.grants if g.municipality_id is not None)


SYSTEM = Actor(user_id=0, login="system", name="Система (командная строка)", is_system=True)
