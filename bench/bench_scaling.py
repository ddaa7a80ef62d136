"""Costs that grow with the work: ingest, features, consent evaluation and release at
20,000, 100,000 and 200,000 students per season, each with its time per student.

For every size a season is simulated (or the one `make bench` simulated reused, when its
size matches) and taken through the pipeline of ``bench/pipeline.py`` in a fresh
workspace. Each stage reports its seconds, its microseconds per student and that figure's
ratio to the smallest size: a ratio well above 1 at a larger size is a super-linear step.
``FAIRFOLLOW_BENCH_SIZES`` (comma-separated) changes the sizes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from bench.pipeline import Pipeline, RssSampler, Timeline, load
from fairfollow.workspace import Workspace

Report = Callable[..., None]
STAGES = ("ingest", "features", "consent evaluation", "release")


def _season(students: int, root: Path) -> tuple[Path, bool]:
    """The season to use, and whether it was made here (and so is removed afterwards)."""
    given = os.environ.get("FAIRFOLLOW_BENCH_SEASON")
    if given and f"season-{students}" == Path(given).name:
        return Path(given), False
    out = root / f"season-{students}"
    Pipeline(out, Workspace(root / "unused")).simulate(students, os.cpu_count() or 1)
    return out, True


def run(report: Report) -> None:
    sizes = [
        int(s) for s in os.environ.get("FAIRFOLLOW_BENCH_SIZES", "20000,100000,200000").split(",")
    ]
    base = Path(tempfile.mkdtemp(prefix="fairfollow-bench-scaling-"))
    per_student: dict[str, float] = {}
    try:
        for students in sizes:
            season_dir, made = _season(students, base)
            pipeline = Pipeline(season_dir, Workspace(base / f"ws-{students}"))
            with RssSampler().running() as sampler:
                timeline = Timeline(sampler)
                timeline.run("ingest", pipeline.ingest)
                timeline.run("consent log", pipeline.consent_log)
                timeline.run("consent evaluation", pipeline.consent_evaluation)
                for season in (2019, 2020):
                    timeline.run("features", partial(pipeline.features, season))
                timeline.run("train", pipeline.train)
                timeline.run("release", pipeline.replay)
            note = f"{students:,} students; load {load()}"
            for stage in STAGES:
                seconds = timeline.seconds(stage)
                micro = seconds / students * 1e6
                first = per_student.setdefault(stage, micro)
                key = stage.replace(" ", "_")
                report(f"{key}.{students}.seconds", seconds, "s", note)
                report(
                    f"{key}.{students}.us_per_student",
                    micro,
                    "us",
                    f"ratio to {sizes[0]:,}: {micro / first:.2f}",
                )
            shutil.rmtree(pipeline.workspace.root, ignore_errors=True)
            if made:
                shutil.rmtree(season_dir, ignore_errors=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
