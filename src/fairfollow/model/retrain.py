"""The retrain-due mark a model carries once data it was trained on is erased.

``models/<model_id>/retrain_due.json`` lists when and why; the model card gets a "Retrain due"
section. Reasons hold no personal data (a request number, a count).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

RETRAIN_FILE = "retrain_due.json"
CARD_FILE = "MODEL_CARD.md"


def mark_retrain_due(models_dir: Path, at: datetime, reason: str) -> list[Path]:
    """Record on every saved model that it must be retrained (e.g. a member was erased).

    The model was fitted on data that is no longer held; it stays usable until the retrain
    but its card says so (GDPR Art. 17; APPI Art. 35). ``reason`` holds no personal data.
    Returns the model folders marked.
    """
    marked = []
    for folder in sorted(p.parent for p in models_dir.glob("*/metadata.json")):
        path = folder / RETRAIN_FILE
        entries = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
        entries.append({"at": at.isoformat(), "reason": reason})
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(entries, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(path)
        card = folder / CARD_FILE
        if card.exists():
            text = card.read_text(encoding="utf-8")
            heading = "## Retrain due"
            if heading not in text:
                text += f"\n{heading}\n\n"
            text += f"- {at.isoformat()}: {reason}\n"
            card.write_text(text, encoding="utf-8")
        marked.append(folder)
    return marked
