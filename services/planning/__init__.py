"""The school year and what is taught in it: the calendar, the curriculum and teaching load, the
timetable and its lessons, substitutions, lesson plans (КТП), work types, closing the year (R-PLAN)."""
