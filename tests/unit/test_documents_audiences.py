"""Which documents' audiences a user belongs to."""
from services.comms.documents import AUDIENCES, audiences_of


def test_audiences_of_roles():
    assert audiences_of([]) == {"all"}
    assert audiences_of(["parent"]) == {"all", "guardians"}
    assert audiences_of(["student"]) == {"all", "pupils"}
    assert audiences_of(["teacher", "class_teacher"]) == {"all", "staff"}
    assert audiences_of(["moderator"]) == {"all", "staff"}
    assert audiences_of(["teacher", "parent"]) == {"all", "staff", "guardians"}
    assert set(AUDIENCES) == {"all", "staff", "guardians", "pupils"}
