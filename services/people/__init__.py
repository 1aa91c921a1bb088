"""Pupils, guardians and staff: accounts and roles, class lists and personal data, imports of the
roster, credentials, movement during the year, subgroups, consents (R-CON, R-ACC)."""
