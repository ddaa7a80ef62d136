"""The one error tree of FairFollow.

Refusals by rules (consent missing, release denied) are *values*, not exceptions; the
classes below are for input that cannot be processed and for broken invariants.

Every error carries a stable ``code`` (``consent.member_unknown``) and its ``params``; the
core writes no sentence for a person. The adapters render the sentence from the message
catalogue (:mod:`fairfollow.messages`), Japanese first, English second. ``str()`` of an
error is the code and its parameters, for logs and tracebacks.

    FairFollowError
    ├── ConfigError                 settings or workspace unusable
    ├── InputError                  bad input from a file or a person
    │   ├── SchemaError             a file lacks columns or has the wrong shape
    │   ├── ProhibitedItemError     a file carries an item the law bars from collection
    │   └── EncodingError           a file is neither UTF-8 nor Shift_JIS
    ├── StoreError                  the analytics store (DuckDB/Parquet) failed
    │   └── IngestError             an ingest could not complete; the store is unchanged
    ├── LedgerError                 the ledger database (SQLAlchemy) failed
    │   ├── PolicyActivationRefused a policy version cannot go live (lagging screens)
    │   └── ReceiptError            a consent receipt is malformed or does not verify
    ├── TransparencyLogError        the Merkle log failed or does not verify
    │   └── LogAppendError          an append failed; whatever it belonged to is rolled back
    ├── ModelError                  features, training or evaluation cannot proceed
    │   └── NotReadyError           a step needs a model or features not made yet
    ├── ForecastError               a forecast is asked with impossible arguments
    ├── GovernanceError             the service registry or workflow refused an action
    │   ├── RoleError               an actor lacks the role for a transition
    │   └── AuthenticationError     no valid account token or credential
    │       └── ThrottledError      too many failed sign-ins: wait before the next
    └── RightsError                 a data-subject request cannot be acted on (yet)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import Enum


def _plain(value: object) -> object:
    """A parameter as logs show it: an enum by its value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# A code: dotted, lowercase words (``intake.prohibited_item``).
CODE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")


class FairFollowError(Exception):
    """Base of every error FairFollow raises on purpose: a code and its parameters."""

    def __init__(self, code: str, /, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params: dict[str, object] = params

    def __str__(self) -> str:
        if not self.params:
            return self.code
        shown = ", ".join(
            f"{name}={_plain(value)!r}" for name, value in sorted(self.params.items())
        )
        return f"{self.code} ({shown})"


class ConfigError(FairFollowError):
    """Settings or the workspace are unusable."""


class InputError(FairFollowError):
    """Input from a file or a person cannot be processed."""


class SchemaError(InputError):
    """A file lacks required columns or has the wrong shape."""


class ProhibitedItemError(InputError):
    """A file carries an item that the law bars from collection; nothing was stored."""

    def __init__(
        self, file: str, column: str, rule_id: str, citation: str, basis: Sequence[object] = ()
    ) -> None:
        """``citation`` is the English citation kept in records; ``basis`` the articles as
        structured values (``fairfollow.law.citation.Citation``), which the catalogue cites
        in the reader's language (the English string stands in when there are none)."""
        self.file = file
        self.column = column
        self.rule_id = rule_id
        self.citation = citation
        super().__init__(
            "intake.prohibited_item",
            file=file,
            column=column,
            rule=rule_id,
            citation=list(basis) or citation,
        )


class EncodingError(InputError):
    """A file is neither UTF-8 nor Shift_JIS."""


class StoreError(FairFollowError):
    """The analytics store failed."""


class IngestError(StoreError):
    """An ingest could not complete; the store is exactly as before."""


class LedgerError(FairFollowError):
    """The ledger database failed."""


class PolicyActivationRefused(LedgerError):
    """A policy version cannot go live while screens lag."""


class ReceiptError(LedgerError):
    """A consent receipt is malformed or does not verify."""


class TransparencyLogError(FairFollowError):
    """The Merkle log failed or does not verify."""


class LogAppendError(TransparencyLogError):
    """A log append failed; the record it belonged to was rolled back."""


class ModelError(FairFollowError):
    """Features, training or evaluation cannot proceed."""


class NotReadyError(ModelError):
    """A step needs what an earlier step makes (the store's tables, features, a trained
    model) and it is not there yet: nothing is wrong with the request, only the order."""


class ForecastError(FairFollowError):
    """A forecast was asked with impossible arguments."""


class GovernanceError(FairFollowError):
    """The service registry or approval workflow refused an action."""


class RoleError(GovernanceError):
    """An actor lacks the role for a workflow transition."""


class AuthenticationError(GovernanceError):
    """No valid account token or credential (missing, wrong, expired, revoked, locked)."""


class ThrottledError(AuthenticationError):
    """Too many failed sign-ins in a row: the next attempt waits ``retry_after`` seconds."""

    def __init__(self, code: str, /, *, retry_after: int, **params: object) -> None:
        super().__init__(code, retry_after=retry_after, **params)
        self.retry_after = retry_after


class RightsError(FairFollowError):
    """A data-subject request cannot be acted on: unverified, closed, or missing input."""
