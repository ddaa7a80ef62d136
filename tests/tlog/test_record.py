"""Leaf encoding of log records and keyed member references."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fairfollow.tlog.record import (
    LeafFormatError,
    LeafKind,
    LogRecord,
    claimed_index,
    decode_leaf,
    encode_leaf,
    member_ref,
)

KEY = bytes(range(32))


def test_leaf_is_canonical_json_naming_its_index() -> None:
    record = LogRecord("release", "rel-1", {"pool": 120, "epsilon": 0.5, "cells": ["a", "b"]})
    leaf = encode_leaf(record, 7)
    assert leaf == (
        b'{"body":{"cells":["a","b"],"epsilon":0.5,"pool":120},"index":7,'
        b'"kind":"release","ref":"rel-1","v":1}'
    )
    logged = decode_leaf(leaf)
    assert logged.index == 7 and logged.record == record


@pytest.mark.parametrize(
    "leaf",
    [
        b"not json",
        b'{"body":{},"index":1,"kind":"release","ref":"r"}',
        b'{"body":{},"index":-1,"kind":"release","ref":"r","v":1}',
        b'{"body":{},"index":1,"kind":"release","ref":"r","v":2}',
        b'{"body":[],"index":1,"kind":"release","ref":"r","v":1}',
        b'{"body":{},"index":1,"kind":"Bad Kind","ref":"r","v":1}',
        b'{"body":{},"index":1,"kind":"release","ref":"","v":1}',
        b'{"index":1,"body":{},"kind":"release","ref":"r","v":1}',
        b'{"body":{},"extra":0,"index":1,"kind":"release","ref":"r","v":1}',
    ],
)
def test_malformed_leaves_are_refused(leaf: bytes) -> None:
    with pytest.raises(LeafFormatError):
        decode_leaf(leaf)


def test_record_fields_are_checked() -> None:
    with pytest.raises(ValueError):
        LogRecord("Release Decision", "r")
    with pytest.raises(ValueError):
        LogRecord("release", "")
    with pytest.raises(ValueError):
        encode_leaf(LogRecord("release", "r", {"noise": float("nan")}), 0)


def test_member_ref_is_a_keyed_hash() -> None:
    first = member_ref(KEY, 1234)
    assert first.startswith("hmac-sha256:") and len(first) == len("hmac-sha256:") + 64
    assert member_ref(KEY, "1234") == first
    assert member_ref(KEY, 1235) != first
    assert member_ref(bytes(32), 1234) != first  # another key, another pseudonym
    assert "1234" not in first
    with pytest.raises(ValueError):
        member_ref(b"short", 1)


def test_claimed_index_reads_only_the_index() -> None:
    leaf = encode_leaf(LogRecord("release", "r"), 12)
    assert claimed_index(leaf) == 12
    for unreadable in [b"\xff", b"[]", b'{"index":-1}', b'{"index":"1"}', b'{"index":true}']:
        assert claimed_index(unreadable) is None


def _kind_arguments() -> list[tuple[str, ast.expr]]:
    """The kind given to every ``LogRecord(...)`` and ``add_leaf(conn, kind, ...)`` in the
    source, with where it is."""
    found = []
    for path in sorted((Path(__file__).parents[2] / "src" / "fairfollow").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            position = {"LogRecord": 0, "add_leaf": 1}.get(str(name))
            if position is not None and len(node.args) > position:
                found.append((f"{path.name}:{node.lineno}", node.args[position]))
    return found


def test_leaf_kinds_are_named_constants_not_bare_strings() -> None:
    written = _kind_arguments()
    assert len(written) >= 5  # door, cap, retention, workflow, authority
    bare = [where for where, arg in written if isinstance(arg, ast.Constant)]
    assert bare == [], f"leaf kinds spelled as strings: {bare}"


def test_every_leaf_kind_is_a_stable_event_name() -> None:
    for kind in LeafKind:
        record = LogRecord(kind, "ref-1")
        assert record.kind == kind.value and type(record.kind) is str  # plain, for drivers
    assert decode_leaf(encode_leaf(LogRecord(LeafKind.RELEASE, "r"), 0)).record.kind == "release"
