"""Which of a suite's users a request speaks as; and, for a replay, their credentials back where a report masked them.

A report never holds a credential (redact.py masks them), so a recorded request says *whose* credentials it
carried instead: the suite's `primary` or `secondary` user, `anonymous` (none of them), or `other` (credentials of
neither, such as a deliberately invalid key). A replay puts that user's credentials back, or an invalid one for
`other`, and never adds credentials a request did not carry.
"""

from __future__ import annotations

from collections.abc import Mapping

from .redact import MASK
from .settings import Suite

PRIMARY = "primary"
SECONDARY = "secondary"
ANONYMOUS = "anonymous"
OTHER = "other"
INVALID_CREDENTIAL = "apitest-invalid-credential"

Users = Mapping[str, Mapping[str, str]]


def users_of(suite: Suite) -> dict[str, dict[str, str]]:
    """The suite's users by name: `primary` always ([auth.headers]), `secondary` when [auth.secondary] has headers."""
    users = {PRIMARY: dict(suite.auth.headers)}
    if suite.auth.secondary.headers:
        users[SECONDARY] = dict(suite.auth.secondary.headers)
    return users


def who(headers: Mapping[str, str], users: Users) -> str:
    """Whose credentials `headers` carry (before any masking)."""
    sent = {name.lower(): value for name, value in headers.items()}
    for user, credentials in users.items():
        if credentials and all(sent.get(name.lower()) == value for name, value in credentials.items()):
            return user
    names = {name.lower() for credentials in users.values() for name in credentials}
    return OTHER if names & sent.keys() else ANONYMOUS


class MaskedValueError(ValueError):
    """A request holds a masked value that is none of the suite's credentials: it cannot be sent as recorded."""


def restore(headers: Mapping[str, str], user: str, users: Users) -> dict[str, str]:
    """`headers` as recorded, with masked credentials replaced by `user`'s (an invalid one for `other`)."""
    own = {name.lower(): value for name, value in users.get(user, {}).items()}
    names = {name.lower() for credentials in users.values() for name in credentials}
    restored = {}
    for name, value in headers.items():
        if MASK in value:
            key = name.lower()
            if key in own:
                value = own[key]
            elif key in names or user == OTHER:
                value = INVALID_CREDENTIAL
            else:
                raise MaskedValueError(
                    f"header {name} was masked in the report and is not one of the suite's credentials"
                )
        restored[name] = value
    return restored


__all__ = [
    "ANONYMOUS",
    "INVALID_CREDENTIAL",
    "OTHER",
    "PRIMARY",
    "SECONDARY",
    "MaskedValueError",
    "Users",
    "restore",
    "users_of",
    "who",
]
