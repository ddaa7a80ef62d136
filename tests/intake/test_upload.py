"""The portal's upload: refused before anything is read without the attestation or over
the cap; otherwise the intake core (tested in test_intake.py and tests/web/test_employer.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from fairfollow.errors import InputError
from fairfollow.intake.upload import Upload, file_name_of, take_upload
from fairfollow.ledger.engine import create_ledger
from fairfollow.records.provision import Attestation
from fairfollow.settings import Settings
from fairfollow.workspace import Workspace
from tests.actors import as_actor

AT = datetime(2019, 7, 15, tzinfo=UTC)
FULL = Attestation("株式会社テスト", "東京都", "人事部長", "entry form", "aggregate forecasts")


def test_a_browser_path_becomes_a_base_name_and_nothing_becomes_a_default() -> None:
    assert file_name_of("C:\\\\Users\\\\hr\\\\E0001.csv") == "E0001.csv"
    assert file_name_of("/home/hr/list.csv") == "list.csv"
    assert file_name_of("") == file_name_of(None) == "upload.csv"
    assert len(file_name_of("x" * 500)) == 200


@pytest.mark.parametrize(
    ("attestation", "data", "message"),
    [
        (
            Attestation("A", "", "C", "D", "E"),
            b"applicant_id\n",
            "intake.attestation_missing.*provider_address",
        ),
        (FULL, b"x" * 101, "intake.file_too_large.*cap=100"),
    ],
)
def test_refused_before_the_store_or_the_ledger_is_read(
    tmp_path: Path, attestation: Attestation, data: bytes, message: str
) -> None:
    # A workspace with no analytics store: reading it would fail with another error.
    workspace = Workspace.from_settings(Settings(home=tmp_path / "ws")).ensure()
    engine = create_ledger(workspace.ledger_url)
    upload = Upload("E0001", 2020, data, "E0001.csv", attestation)
    with pytest.raises(InputError, match=message):
        take_upload(engine, workspace, upload, at=AT, actor=as_actor("test"), max_bytes=100)
    engine.dispose()
