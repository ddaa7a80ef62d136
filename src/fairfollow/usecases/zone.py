"""The pseudonymised training zone from the workspace's own shell (``pipeline.run``): build a
season's zone from its features (:mod:`fairfollow.model.pseudonymised`)."""

from __future__ import annotations

from fairfollow.accounts.account import Principal
from fairfollow.accounts.actions import Action, check
from fairfollow.model.pseudonymised import ZoneBuild, build_zone
from fairfollow.workspace import Workspace


def build_pseudonymised_zone(
    principal: Principal | None, workspace: Workspace, season: int, *, local: bool = False
) -> ZoneBuild:
    check(principal, Action.PIPELINE_RUN, local=local)
    return build_zone(workspace, season)
