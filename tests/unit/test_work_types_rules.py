"""The rules of work types (issue 15): weights 0.5–5, checking days, the set's invariants."""
import pytest

from services.rules import work_types as R


def test_weight_accepts_comma_and_point_within_bounds():
    assert R.parse_weight("1,5") == 1.5 and R.parse_weight(0.5) == 0.5 and R.parse_weight("5") == 5
    for bad in ("0.4", "5.01", "0", "-1", "abc", "", None, "nan"):
        with pytest.raises(R.WorkTypeRuleError):
            R.parse_weight(bad)


def test_checking_days_are_a_whole_number_from_0_to_14():
    assert R.parse_days("") == 0 and R.parse_days("7") == 7 and R.parse_days(3.0) == 3
    for bad in ("1.5", "-1", "15", "неделя", "inf"):
        with pytest.raises(R.WorkTypeRuleError):
            R.parse_days(bad)


def test_names_are_trimmed_and_required():
    assert R.clean_name("  Контрольная   работа ") == "Контрольная работа"
    with pytest.raises(R.WorkTypeRuleError):
        R.clean_name("   ")


def test_the_set_needs_unique_names_and_one_default_in_use():
    S = R.TypeState
    assert R.check_set([S(1, "Работа на уроке", True, True), S(2, "Тест", False, False)]) == []
    assert "уже есть" in R.check_set([S(1, "Тест", True, True), S(2, "тест", False, True)])[0]
    assert "ровно один" in R.check_set([S(1, "А", False, True)])[0]
    assert "ровно один" in R.check_set([S(1, "А", True, True), S(2, "Б", True, True)])[0]
    assert "нельзя вывести" in R.check_set([S(1, "А", True, False)])[0]


def test_the_standard_set_is_valid():
    names = [t.name for t in R.STANDARD_SET]
    assert R.check_set([R.TypeState(None, t.name, t.is_default, True) for t in R.STANDARD_SET]) == []
    assert all(R.WEIGHT_MIN <= t.weight <= R.WEIGHT_MAX and 0 <= t.checking_days <= R.DAYS_MAX
               for t in R.STANDARD_SET)
    for name in ("Работа на уроке", "Самостоятельная работа", "Контрольная работа", "Диктант", "Проверочная работа",
                 "Лабораторная работа", "Практическая работа", "Домашняя работа", "Зачёт", "Экзамен"):
        assert name in names
