"""Printable reports as plain values, and their files: the attestation summary, the weekly sheet,
mark changes, whole journals, exam results, the year archive (R-REP)."""
