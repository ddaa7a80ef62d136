"""The PPC report draft as text: Japanese, one field a line, in the form's order (the PPC's
form is Japanese whatever the reader's language). Shared by the CLI and the console."""

from __future__ import annotations

from datetime import datetime

from fairfollow.incidents.draft import DraftField, ReportDraft
from fairfollow.messages.catalogue import shown, text

LANGUAGE = "ja"


def value_of(field: DraftField, value: object) -> str:
    """One field's value as the draft writes it; an empty one asks to be written."""
    if value is None:
        return text("incidents.draft.to_fill", LANGUAGE)
    if field is DraftField.PERSONS_RESPONSE and isinstance(value, datetime):
        return text("incidents.draft.notified_at", LANGUAGE, at=value)
    if isinstance(value, list) and not value:
        return "—"
    return shown(value, LANGUAGE)


def draft_lines(found: ReportDraft) -> list[tuple[str, str]]:
    """(label, value) for every field of the form."""
    return [(shown(line.field, LANGUAGE), value_of(line.field, line.value)) for line in found.lines]


def render_draft(found: ReportDraft) -> str:
    lines = [f"# {found.incident_ref} — {shown(found.duty, LANGUAGE)}"]
    if found.due_at is not None:
        lines.append(f"{text('incidents.draft.due', LANGUAGE)}: {shown(found.due_at, LANGUAGE)}")
    lines += [f"{label}: {value}" for label, value in draft_lines(found)]
    cited = "、".join(shown(c, LANGUAGE) for c in found.citations)
    lines.append(f"{text('incidents.draft.cited', LANGUAGE)}: {cited}")
    return "\n".join(lines)
