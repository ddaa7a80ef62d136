"""C2SP ``tlog-policy``: which log, which witnesses, and the quorum of them a verifier needs.

A policy file, one statement a line (``#`` starts a comment)::

    log fairfollow.example/2020+5b3c8a41+AcV…            the log's note verifier key [URL]
    witness w1 w1.example+3f9e0e7c+BPl… http://127.0.0.1:8801
    witness w2 w2.example+9a7d10b2+BMa… http://127.0.0.1:8802
    group both all w1 w2                               all, any, or a number of members
    quorum both                                        a witness or group name, or none

The log sends each new checkpoint to every witness that has a URL
(:mod:`fairfollow.tlog.witness_http`); a verifier takes the policy instead of a list of keys
and accepts a checkpoint only when the quorum's cosignatures verify. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fairfollow.errors import TransparencyLogError
from fairfollow.tlog.cosignature import CosignerVerifier, cosignature_time, parse_cosigner_key
from fairfollow.tlog.keys import NoteVerifier, parse_verifier_key

NONE = "none"
POLICY_FILE = "log-witnesses.policy"  # a workspace's own policy: its log sends checkpoints there


@dataclass(frozen=True)
class PolicyWitness:
    name: str
    key: CosignerVerifier
    url: str | None


@dataclass(frozen=True)
class Group:
    name: str
    threshold: int  # members that must be satisfied
    members: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    """A parsed policy: the logs' keys, the witnesses, the groups and the quorum's name."""

    logs: tuple[NoteVerifier, ...]
    witnesses: Mapping[str, PolicyWitness]
    groups: Mapping[str, Group]
    quorum: str

    def cosigners(self, note: str) -> frozenset[str]:
        """The names of the policy's witnesses whose cosignature on ``note`` verifies."""
        good = set()
        for name, witness in self.witnesses.items():
            try:
                cosignature_time(note, witness.key)
            except TransparencyLogError:
                continue
            good.add(name)
        return frozenset(good)

    def satisfied(self, note: str) -> bool:
        """Whether the cosignatures on ``note`` meet the quorum (``none``: always)."""
        if self.quorum == NONE:
            return True
        return self._met(self.quorum, self.cosigners(note))

    def _met(self, name: str, cosigned: frozenset[str]) -> bool:
        if name in self.witnesses:
            return name in cosigned
        group = self.groups[name]
        return sum(self._met(m, cosigned) for m in group.members) >= group.threshold

    def check(self, note: str) -> None:
        """TransparencyLogError naming the quorum when ``note`` does not meet it."""
        if not self.satisfied(note):
            raise TransparencyLogError(
                "tlog.policy_quorum_unmet", quorum=self.quorum, cosigned=len(self.cosigners(note))
            )


def parse_policy(text: str) -> Policy:
    """Read a policy file; TransparencyLogError naming the line of the first mistake."""
    logs: list[NoteVerifier] = []
    witnesses: dict[str, PolicyWitness] = {}
    groups: dict[str, Group] = {}
    quorum: str | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        try:
            keyword, args = words[0], words[1:]
            names = witnesses.keys() | groups.keys()
            if keyword == "log" and len(args) in (1, 2):
                logs.append(parse_verifier_key(args[0]))
            elif keyword == "witness" and len(args) in (2, 3) and args[0] not in names:
                key = parse_cosigner_key(args[1])
                witnesses[args[0]] = PolicyWitness(args[0], key, args[2] if len(args) > 2 else None)
            elif keyword == "group" and len(args) >= 3 and args[0] not in names | {NONE}:
                members = tuple(args[2:])
                if not set(members) <= names or len(set(members)) != len(members):
                    raise ValueError("unknown or repeated member")
                groups[args[0]] = Group(args[0], _threshold(args[1], len(members)), members)
            elif keyword == "quorum" and len(args) == 1 and quorum is None:
                if args[0] not in names | {NONE}:
                    raise ValueError("unknown quorum")
                quorum = args[0]
            else:
                raise ValueError(keyword)
        except (ValueError, TransparencyLogError) as exc:
            raise TransparencyLogError("tlog.policy_line_invalid", line=number) from exc
    if quorum is None:
        raise TransparencyLogError("tlog.policy_quorum_missing")
    return Policy(tuple(logs), witnesses, groups, quorum)


def _threshold(word: str, members: int) -> int:
    if word == "all":
        return members
    if word == "any":
        return 1
    if not word.isdigit() or not 1 <= int(word) <= members:
        raise ValueError("threshold")
    return int(word)
