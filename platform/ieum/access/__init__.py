"""Users, login, roles and grants, privacy, and the audit log."""
