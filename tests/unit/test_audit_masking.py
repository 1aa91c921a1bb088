"""audit.mask_personal / values: СНИЛС masked and the stored text capped, for every event (issue 13, items 9, 11)."""
from services.core import audit


def test_snils_is_masked_by_key_and_by_its_written_form_at_any_depth():
    masked = audit.mask_personal({"snils": "11223344595", "pupils": [{"СНИЛС": "112-233-445 95"}],
                                  "note": "СНИЛС 112-233-445 95 записан", "phone": "+79121112233", "mark": 5})
    assert masked == {"snils": "***-***-*** 95", "pupils": [{"СНИЛС": "***-***-*** 95"}],
                      "note": "СНИЛС ***-***-*** 95 записан", "phone": "+79121112233", "mark": 5}
    assert audit.mask_personal({"snils": None}) == {"snils": None}


def test_an_events_columns_are_capped_and_masked():
    row = audit.values(None, "auth.sign_in_failed", login="x" * 4_000_000, entity_id="9" * 500,
                       detail="ученик 112-233-445 95 " + "y" * 5000, new={"snils": "112-233-445 95"})
    assert len(row["actor_login"]) == 120 and len(row["entity_id"]) == 64 and len(row["detail"]) == 1000
    assert "112-233-445" not in row["detail"] + row["new"] and "***-***-*** 95" in row["new"]
