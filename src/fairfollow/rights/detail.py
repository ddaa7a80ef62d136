"""What a request asks for besides its kind: one typed detail per kind, and their JSON.

The ledger keeps a request's detail as JSON; :func:`detail_of` reads it back into the type
of its kind (an unknown key or a wrong type is refused, never guessed at), and
:meth:`as_json` writes it. Corrections go through :func:`correction_of` — the one parser of
corrected fields, whatever the channel (the CLI's ``--field NAME=VALUE``, the portal's
labelled fields, the JSON API): only the fields in :data:`CORRECTABLE_FIELDS` may be
corrected, and the refusal names the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from fairfollow.errors import InputError

# The profile fields a member may have corrected (APPI Art. 34; GDPR Art. 16), in the order
# the portal's form shows them; the analytics store rewrites exactly these columns.
CORRECTABLE_FIELDS = ("name_kanji", "name_kana", "email", "university", "birth_date")
MAX_FIELD_LENGTH = 200


@dataclass(frozen=True)
class DisclosureDetail:
    raw_events: bool = False

    def as_json(self) -> dict[str, object]:
        return {"raw_events": True} if self.raw_events else {}


@dataclass(frozen=True)
class ProvisionRecordsDetail:
    def as_json(self) -> dict[str, object]:
        return {}


@dataclass(frozen=True)
class CorrectionDetail:
    """The corrected values, by field (never empty; only :data:`CORRECTABLE_FIELDS`)."""

    fields: tuple[tuple[str, str], ...]

    def as_json(self) -> dict[str, object]:
        return {"fields": dict(self.fields)}

    @property
    def values(self) -> dict[str, str]:
        return dict(self.fields)


@dataclass(frozen=True)
class WithdrawalDetail:
    """The purposes withdrawn (empty: every purpose the member granted)."""

    purposes: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {"purposes": list(self.purposes)} if self.purposes else {}


@dataclass(frozen=True)
class StopDetail:
    def as_json(self) -> dict[str, object]:
        return {}


@dataclass(frozen=True)
class ErasureDetail:
    def as_json(self) -> dict[str, object]:
        return {}


RequestDetail = (
    DisclosureDetail
    | ProvisionRecordsDetail
    | CorrectionDetail
    | WithdrawalDetail
    | StopDetail
    | ErasureDetail
)

# The detail type of each kind, by the kind's value (request.py names the kinds).
DETAIL_TYPES: Mapping[str, type[RequestDetail]] = {
    "disclosure": DisclosureDetail,
    "provision-records": ProvisionRecordsDetail,
    "correction": CorrectionDetail,
    "withdrawal": WithdrawalDetail,
    "stop": StopDetail,
    "erasure": ErasureDetail,
}


def correction_of(values: Mapping[str, str]) -> CorrectionDetail:
    """The one parser of corrections: blank values are left out (a field not corrected);
    a field that may not be corrected is refused by name; at least one field is needed."""
    found: list[tuple[str, str]] = []
    for name, value in values.items():
        name = name.strip()
        text = value.strip()
        if not text:
            continue
        if name not in CORRECTABLE_FIELDS:
            raise InputError(
                "rights.correction_field_not_allowed", field=name, fields=list(CORRECTABLE_FIELDS)
            )
        if len(text) > MAX_FIELD_LENGTH:
            raise InputError("rights.correction_value_too_long", field=name, limit=MAX_FIELD_LENGTH)
        if name == "birth_date":
            try:
                date.fromisoformat(text)
            except ValueError as exc:
                raise InputError("rights.correction_date_malformed", field=name) from exc
        found.append((name, text))
    if not found:
        raise InputError("rights.correction_fields_missing", fields=list(CORRECTABLE_FIELDS))
    order = {name: i for i, name in enumerate(CORRECTABLE_FIELDS)}
    return CorrectionDetail(tuple(sorted(found, key=lambda f: order[f[0]])))


def correction_lines(items: list[str]) -> CorrectionDetail:
    """``NAME=VALUE`` items (the CLI's ``--field``), through :func:`correction_of`."""
    values: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError("cli.field_malformed", item=item)
        values[name.strip()] = value
    return correction_of(values)


def detail_of(kind: str, raw: Mapping[str, object]) -> RequestDetail:
    """The typed detail of a request of ``kind`` from its JSON form."""
    wanted = DETAIL_TYPES[kind]
    if wanted is CorrectionDetail:
        fields = raw.get("fields")
        if not isinstance(fields, Mapping):
            # An erased member's correction keeps no values (cleared by the erasure).
            return CorrectionDetail(())
        return CorrectionDetail(tuple((str(k), str(v)) for k, v in fields.items()))
    if wanted is WithdrawalDetail:
        purposes = raw.get("purposes") or []
        if not isinstance(purposes, list):
            raise InputError("rights.detail_malformed", kind=kind)
        return WithdrawalDetail(tuple(str(p) for p in purposes))
    if wanted is DisclosureDetail:
        return DisclosureDetail(raw_events=bool(raw.get("raw_events", False)))
    if wanted is ProvisionRecordsDetail:
        return ProvisionRecordsDetail()
    return StopDetail() if wanted is StopDetail else ErasureDetail()


def default_detail(kind: str) -> RequestDetail:
    """The detail of a request that asks for nothing more than its kind (refused for a
    correction, which needs its fields)."""
    if kind == "correction":
        raise InputError("rights.correction_fields_missing", fields=list(CORRECTABLE_FIELDS))
    return detail_of(kind, {})
