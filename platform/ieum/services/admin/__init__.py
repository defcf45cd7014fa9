"""Accounts, facilities and the audit log: what administrators of the platform and of a
facility do."""
