"""When a consent to the processing of personal data is in force."""
from datetime import date

from services.people.consents import consent_in_force


def test_in_force_from_its_date_until_the_withdrawal():
    given, gone = date(2026, 9, 1), date(2026, 10, 15)
    assert not consent_in_force(given, None, date(2026, 8, 31))
    assert consent_in_force(given, None, given)
    assert consent_in_force(given, gone, date(2026, 10, 14))
    assert not consent_in_force(given, gone, gone)          # the withdrawal takes effect on its date
    assert not consent_in_force(given, gone, date(2027, 1, 1))
