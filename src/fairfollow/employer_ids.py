"""The employer id: one value, one parser, one formatter.

Files, pools, releases and budgets name an employer ``E`` and four or more digits
(``E0314``); the season's tables number it (``company_id`` 314). :class:`EmployerId` is the
one place the two are converted, so no module slices ``"E0314"[1:]`` or formats ``E{n:04d}``
by hand. It lives in the foundation because the season generator (tier 2) writes the files
the employers tier reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fairfollow.errors import InputError

# What a person may type: ``E314``, ``e0314`` or ``314`` (leading zeros and case are free).
_TYPED = re.compile(r"^[Ee]?0*(\d{1,9})$")
# An employer's list as a season's directory holds it: ``E0314.csv``.
_FILE = re.compile(r"^E(\d+)\.csv$", re.IGNORECASE)


@dataclass(frozen=True, order=True, slots=True)
class EmployerId:
    """An employer's id, by its number; ``str()`` is the text files and releases use."""

    number: int

    def __post_init__(self) -> None:
        if self.number < 0:
            raise InputError("vocabulary.employer_id_malformed", text=str(self.number))

    @classmethod
    def parse(cls, text: str) -> EmployerId:
        """``E314``, ``314`` or ``E0314`` → ``EmployerId(314)``; anything else is refused."""
        match = _TYPED.match(text.strip())
        if match is None:
            raise InputError("vocabulary.employer_id_malformed", text=text)
        return cls(int(match.group(1)))

    @classmethod
    def of_file(cls, name: str) -> EmployerId | None:
        """The employer a list's file name names (``E0314.csv``), or ``None`` if none."""
        match = _FILE.match(name)
        return None if match is None else cls(int(match.group(1)))

    @property
    def text(self) -> str:
        """``E`` and four or more digits: ``E0314``, ``E12345``."""
        return f"E{self.number:04d}"

    @property
    def file_name(self) -> str:
        """The name of the employer's list in a season's directory: ``E0314.csv``."""
        return f"{self.text}.csv"

    def __str__(self) -> str:
        return self.text
