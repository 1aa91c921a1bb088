"""Developers' commands that read the code (not part of the running portal)."""
