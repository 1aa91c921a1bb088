"""The journal and the diary: the grid and its saving, one lesson's page, period marks, the
teacher's to-do, the class teacher's views, the paper journal (R-JRN)."""
