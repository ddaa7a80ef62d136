"""A citation of one article of a law, as a value: each language writes it its own way.

The core keeps citations structured (law, article, paragraph) so that the adapters can
write ``個人情報保護法第27条第1項`` for Japanese readers and ``APPI Art. 27(1)`` for English
ones; ``str()`` is the English form, for logs and stored records.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Citation:
    """``law`` as the packs name it (``APPI``, ``ESA``); ``article`` as numbered (``5-5`` is
    Art. 5-5); ``paragraph`` as the packs keep it: ``1``, ``5(i)`` (paragraph 5, item i), or
    empty for the whole article."""

    law: str
    article: str
    paragraph: str = ""

    def __str__(self) -> str:
        where = f"{self.law} Art. {self.article}"
        if self.paragraph:
            # "5(i)" is paragraph 5, item i: written "(5)(i)" as the statutes cite it
            head, sep, item = self.paragraph.partition("(")
            where += (f"({head})" if head else "") + f"{sep}{item}"
        return where
