"""A new installation and a new school: the first run, the first week's checklist, what the set-up
commands of manage.py need."""
