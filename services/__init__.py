"""The services: rules and use cases, one package per capability (core, people, planning, journal,
comms, reports, control, setup; the pure rules in rules). Nothing is re-exported here: a caller
imports the module it needs (`from services.journal import grid`). docs/architecture.md lists them."""
