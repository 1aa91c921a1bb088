"""The school's required documents about the electronic journal (regulation 4.2, 4.7): the set, and
when one counts as present. A pure module."""
from __future__ import annotations

from datetime import date

# code → (title, the clause that asks for it)
REQUIRED: dict[str, tuple[str, str]] = {
    "order_portal": ("Приказ о введении электронного журнала и дневника", "4.2"),
    "order_responsible": ("Приказ о назначении ответственных за ведение электронного журнала", "4.2"),
    "job_descriptions": ("Изменения в должностные инструкции", "4.2"),
    "local_regulation": ("Локальный акт (положение) о ведении электронного журнала", "4.7"),
}
STATUS_TITLES = {"missing": "нет", "unapproved": "загружен, не утверждён", "present": "есть"}


def status(uploaded: bool, approved_on: date | None, approved_number: str) -> str:
    """«present» only when uploaded and approved by the director with a date and a number."""
    if not uploaded:
        return "missing"
    if approved_on is None or not (approved_number or "").strip():
        return "unapproved"
    return "present"
