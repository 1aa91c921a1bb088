"""A new school: its municipality (made when new), the school, its settings, and the standard set
of work types, so that it can teach at once (issue 15). Called in the caller's transaction by the
first run (services/setup/first_run.py) and `manage.py create-school`."""
from __future__ import annotations

from sqlmodel import Session, select

from models import Municipality, School, SchoolSettings
from services.planning import work_types


def create_school(tx: Session, municipality: str, name: str, short_name: str) -> int:
    muni = tx.exec(select(Municipality).where(Municipality.name == municipality)).first()
    if muni is None:
        muni = Municipality(name=municipality)
        tx.add(muni)
        tx.flush()
    school = School(municipality_id=muni.id, name=name, short_name=short_name)
    tx.add(school)
    tx.flush()
    tx.add(SchoolSettings(school_id=school.id))
    work_types.add_standard_set(tx, school.id)  # issue 15: a new school can teach at once
    return school.id
