"""An error or a refusal from the core, as the sentence an adapter shows a person."""

from __future__ import annotations

from datetime import tzinfo

from fairfollow.errors import FairFollowError
from fairfollow.instants import JST
from fairfollow.messages import catalogue


def of_error(error: FairFollowError, language: str, zone: tzinfo = JST) -> str:
    """What went wrong, in ``language``, from the error's code and parameters."""
    return catalogue.text(error.code, language, zone, **error.params)
