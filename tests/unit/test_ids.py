"""rules/ids.parse_id: only a sane positive whole number is an id (issue 13, item 11)."""
from services.rules.ids import MAX_ID, parse_id


def test_only_sane_positive_whole_numbers_are_ids():
    assert [parse_id(x) for x in ("1", " 42 ", str(MAX_ID))] == [1, 42, MAX_ID]
    bad = ["", None, "0", "-1", "+1", "1.0", "1e3", "0x10", "١٢", "²", str(MAX_ID + 1), "9" * 40, "12 34"]
    assert [parse_id(x) for x in bad] == [None] * len(bad)
