"""What every capability stands on: the signed-in actor, the policy (who may do what), the audit
log, sign-in and passwords, the clock, settings, schools, the database schema, files, backups and
the system's health."""
