"""Communication: messages and announcements, the system's notices, e-mail notifications,
correction requests and the corrections made, documents, reminders (R-COM)."""
