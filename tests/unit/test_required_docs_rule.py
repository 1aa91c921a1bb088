"""The required documents of 4.2 and 4.7: the set, and present only when uploaded and approved."""
from datetime import date

from services.rules.required_docs import REQUIRED, status


def test_the_set_names_the_four_documents_of_the_regulation():
    titles = " ".join(t for t, _ in REQUIRED.values())
    for word in ("введении", "назначении ответственных", "должностные инструкции", "положение"):
        assert word in titles
    assert {clause for _, clause in REQUIRED.values()} == {"4.2", "4.7"}


def test_a_document_is_present_only_once_approved_with_a_date_and_a_number():
    assert status(False, None, "") == "missing"
    assert status(True, None, "") == "unapproved"
    assert status(True, date(2025, 9, 1), "  ") == "unapproved"
    assert status(True, None, "12-о") == "unapproved"
    assert status(True, date(2025, 9, 1), "12-о") == "present"
