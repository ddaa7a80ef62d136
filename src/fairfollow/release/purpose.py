"""The purpose a release relies on: the one whose recipient class is the release's.

The door's recipients are employers, whatever a service's declaration calls them (a service
of class ``platform`` that names an employer still sends the employer something). The
consent filter evaluates each member's consent for exactly one purpose — the service's
purpose stated for that recipient class. A service with none, or with several, has not said
which consent it relies on: that is a ``gap`` (a Decision value with its citation), and the
release is refused.
"""

from __future__ import annotations

from fairfollow.law.rules import Decision, Outcome, RuleResult
from fairfollow.services.registry import ServiceSpec

EMPLOYER_CLASS = "client_employer"
PURPOSE_RULE = "door.purpose_for_recipient"
PURPOSE_CITATION = "APPI Art. 17(1), Art. 27(1); PPC general guidelines 3-1-1"


def release_purpose(spec: ServiceSpec) -> str | Decision:
    """The one purpose whose recipient class is the release's (an employer), or the gap."""
    keys = [p.key for p in spec.purposes if p.recipient_class == EMPLOYER_CLASS]
    if len(keys) == 1:
        return keys[0]
    note = (
        f"the service declares no purpose whose recipient class is {EMPLOYER_CLASS}"
        if not keys
        else f"the service declares {len(keys)} purposes for {EMPLOYER_CLASS}: "
        f"{', '.join(keys)}; the purpose relied on must be one"
    )
    result = RuleResult(
        PURPOSE_RULE,
        Outcome.GAP,
        PURPOSE_CITATION,
        "A release relies on the one purpose stated for its recipient class.",
        "提供は、その提供先の類型について特定された一つの利用目的に基づく。",
        note,
        True,
    )
    return Decision(Outcome.GAP, (result,), ("door",))
