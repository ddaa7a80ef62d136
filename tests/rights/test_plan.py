"""Rights effects as plans of recorded steps: a completion killed after any step resumes.

The crash test runs the erasure's completion in a child process that SIGKILLs itself right
after each step is recorded, in turn (one member per step); a retry then completes, and the
workspace search finds the member only in the records the law requires kept.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fairfollow.errors import RightsError
from fairfollow.events.store import open_store
from fairfollow.rights.certificate import certificate
from fairfollow.rights.desk import show_request
from fairfollow.rights.effects import PLANS, complete_request
from fairfollow.rights.erasure import ERASURE_PLAN
from fairfollow.rights.plan import progress_of
from fairfollow.rights.request import RightKind, Status
from tests.actors import as_actor
from tests.rights.test_erasure import RETAINED, search_workspace
from tests.rights.world import LATER, Person, World, make_world

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import datetime
    from pathlib import Path

    from fairfollow.ledger.engine import open_ledger
    from fairfollow.rights.desk import Desk
    from fairfollow.rights.effects import complete_request
    from fairfollow.settings import Settings
    from fairfollow.workspace import Workspace
    from tests.actors import as_actor

    root, url, request, step, at = sys.argv[1:]
    workspace = Workspace(Path(root), ledger_url_override=url)
    desk = Desk(workspace, open_ledger(url), Settings.model_construct(home=workspace.root))

    def die_after(name: str) -> None:
        if name == step:
            os.kill(os.getpid(), signal.SIGKILL)

    complete_request(
        desk, int(request), actor=as_actor("ops"), at=datetime.fromisoformat(at),
        on_step=die_after,
    )
    """
)


@pytest.fixture
def world(
    tmp_path: Path, ledger_url: str, simulated_season: Callable[..., Path]
) -> Iterator[World]:
    made = make_world(tmp_path, ledger_url, simulated_season(students=400, seed=3))
    yield made
    made.engine.dispose()


def _unique_people(world: World, count: int) -> list[Person]:
    """Consenting members whose names nobody else shares (the bytes search needs that)."""
    con = open_store(world.workspace)
    try:
        rows = con.execute(
            "SELECT name_kanji, name_kana FROM members GROUP BY ALL HAVING count(*) = 1"
        ).fetchall()
    finally:
        con.close()
    kanji, kana = {r[0] for r in rows}, {r[1] for r in rows}
    found = [
        p
        for p in world.people
        if p.member_id in world.consenting and p.name_kanji in kanji and p.name_kana in kana
    ]
    assert len(found) >= count
    return found[:count]


def _killed_after(world: World, request: int, step: str) -> int:
    url = world.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(world.workspace.root), url, str(request), step,
         LATER.isoformat()],
        env=env, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    return done.returncode


@pytest.mark.slow
def test_an_erasure_killed_after_each_step_resumes_and_leaves_nothing(world: World) -> None:
    steps = ERASURE_PLAN.names
    assert steps == ("store", "training_sets", "models", "exports", "ledger", "compaction")
    people = _unique_people(world, len(steps))
    world.release()
    for step, person in zip(steps, people, strict=True):
        export = world.request(RightKind.DISCLOSURE, person.member_id, raw_events=True)
        complete_request(world.desk, export, actor=as_actor("ops"), at=LATER)
        erasure = world.request(RightKind.ERASURE, person.member_id)
        assert _killed_after(world, erasure, step) == -signal.SIGKILL, step
        world.engine.dispose()  # the child's writes, seen afresh
        stopped = show_request(world.desk, erasure)
        progress = progress_of(ERASURE_PLAN, stopped)
        assert progress.done == steps[: steps.index(step) + 1], step
        if progress.pending:
            done = complete_request(world.desk, erasure, actor=as_actor("ops"), at=LATER)
            assert done.request.status is Status.DONE
        else:  # killed after the last step: all done, a retry is refused as closed
            with pytest.raises(RightsError, match=r"rights\.request_closed"):
                complete_request(world.desk, erasure, actor=as_actor("ops"), at=LATER)
        finished = show_request(world.desk, erasure)
        assert progress_of(ERASURE_PLAN, finished).pending == ()
        # Each step ran once to its record: no step recorded twice.
        names = [a.action for a in finished.actions if a.action.startswith("step:")]
        assert len(names) == len(set(names)), step
        assert search_workspace(world, person) == RETAINED, step
        cert = certificate(finished, ERASURE_PLAN)
        assert cert.complete and cert.log_leaf is not None
        assert cert.counts["store.rows_removed.members"] == 1
        assert cert.counts["exports_deleted"] == 1
        assert [k["provision_id"] for k in cert.kept] and all(
            "APPI Art. 29" in str(k["citation"]) for k in cert.kept
        )


def test_every_kind_records_its_steps_and_the_done_record_in_one(world: World) -> None:
    member = world.consenting[0]
    request = world.request(RightKind.STOP, member)
    seen: list[str] = []
    done = complete_request(
        world.desk, request, actor=as_actor("ops"), at=LATER, on_step=seen.append
    )
    assert tuple(seen) == PLANS[RightKind.STOP].names == ("store", "ledger")
    actions = [a.action for a in done.request.actions]
    assert actions == ["received", "identity_verified", "step:store", "stop_done"]
    assert done.effect["suppressed_at_intake"] is True and "restricted_in_store" in done.effect


def test_a_failed_step_leaves_the_member_on_the_request_and_a_retry_resumes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fairfollow.rights import erasure

    person = world.people[4]
    request = world.request(RightKind.ERASURE, person.member_id)

    def broken(*_: object, **__: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(erasure, "compact", broken)
    with pytest.raises(OSError):
        complete_request(world.desk, request, actor=as_actor("ops"), at=LATER)
    stopped = show_request(world.desk, request)
    assert stopped.status is Status.DONE  # the ledger step and "done" committed together
    assert progress_of(ERASURE_PLAN, stopped).pending == ("compaction",)
    monkeypatch.undo()
    done = complete_request(world.desk, request, actor=as_actor("ops"), at=LATER)
    assert done.request.actions[-1].action == "step:compaction"
