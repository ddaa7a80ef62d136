"""A monitor of the privacy notices, from the log alone: after each policy activation, the
screens that still display another version (the 2019 defect, seen without the ledger).

It replays the ``screen.deployed`` leaves (what each screen displays since when) and, at each
``policy.activated`` leaf, names every screen whose latest deployment shows a version other
than the one activated (a screen taken down displays nothing and does not lag). Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fairfollow.tlog.record import LeafFormatError, LeafKind, decode_leaf


@dataclass(frozen=True)
class StaleScreen:
    """At activation leaf ``leaf`` of ``version``, ``screen`` still displayed ``displayed``
    (since the deployment at leaf ``since_leaf``)."""

    leaf: int
    version: str
    screen: str
    displayed: str
    since_leaf: int


def stale_screens(contents: Iterable[bytes]) -> list[StaleScreen]:
    """Every (activation, lagging screen) pair the leaves show, in log order."""
    showing: dict[str, tuple[str | None, int]] = {}
    found: list[StaleScreen] = []
    for index, content in enumerate(contents):
        try:
            record = decode_leaf(content).record
        except LeafFormatError:
            continue  # the audit reports unreadable leaves; the monitor reads what it can
        body = record.body
        if record.kind == LeafKind.SCREEN_DEPLOYED:
            screen, version = body.get("screen"), body.get("version")
            if isinstance(screen, str) and (version is None or isinstance(version, str)):
                showing[screen] = (version, index)
        elif record.kind == LeafKind.POLICY_ACTIVATED:
            active = body.get("version")
            if not isinstance(active, str):
                continue
            for screen, (version, since) in sorted(showing.items()):
                if version is not None and version != active:
                    found.append(StaleScreen(index, active, screen, version, since))
    return found
