"""Domain errors. Each carries the HTTP status it maps to, a translated title and, for
invalid input, one entry per field; ``app.py`` renders them as problem+json and the CLI as
one line on stderr."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldError:
    field: str  # field key, or a JSON path inside a definition ("$.fields[2].key")
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


@dataclass
class BrickworkError(Exception):
    title: str
    detail: str | None = None
    errors: list[FieldError] = field(default_factory=list)
    status = 400
    code = "bad_request"

    def __str__(self) -> str:
        parts = [self.detail or self.title]
        parts += [f"{e.field}: {e.message}" for e in self.errors]
        return " ".join(parts)


class Invalid(BrickworkError):
    status = 422
    code = "invalid"


class NotAuthenticated(BrickworkError):
    status = 401
    code = "not_authenticated"


class Forbidden(BrickworkError):
    status = 403
    code = "forbidden"


class PasswordChangeRequired(Forbidden):
    """A session signed in with a one-time password: it may change the password, read /me
    and sign out, nothing else."""

    code = "password_change_required"


class NotFound(BrickworkError):
    status = 404
    code = "not_found"


class Conflict(BrickworkError):
    status = 409
    code = "conflict"


class Gone(BrickworkError):
    """Something that was here is no more: a used or expired link."""

    status = 410
    code = "gone"


class TooManyRequests(BrickworkError):
    status = 429
    code = "too_many_requests"


class Unavailable(BrickworkError):
    """The work took too long (a statement hit the timeout); trying again later may work."""

    status = 503
    code = "timeout"
    retry_after = 5  # seconds, sent as Retry-After
