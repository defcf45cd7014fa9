"""Use cases that combine definitions, storage and access; the web and the CLI call only these."""


class ServiceError(Exception):
    """A request the service refuses, with a message meant for the user (Korean)."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status
