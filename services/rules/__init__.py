"""The pure rules: functions of plain values (no database, no clock of their own), tested in
tests/unit without a database — cells, averages and rounding, deadlines, the edit window, the
calendar and the timetable, who may write to whom, sign-in throttling, work types."""
