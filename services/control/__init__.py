"""Control: the indicators and their dashboards, internal control acts and records, olympiads, what
the regulation still asks of the school (R-CTL)."""
