"""Separation of duties, checked when a role is granted and when the quorum is set (pure).

Nobody grants a role to themselves; one account never holds both privacy officer and
reviewer (they must be different people); a member's or an employer user's account holds no
staff role; the committee's quorum is at least two.
"""

from __future__ import annotations

from fairfollow.accounts.account import EXCLUSIVE, MIN_QUORUM, Account, Principal, Role
from fairfollow.accounts.actions import Action, require
from fairfollow.errors import GovernanceError, RoleError


def check_grant(
    granter: Principal, grantee: Account, held: frozenset[Role], role: Role, *, grant: bool
) -> None:
    """Refuse a grant or revocation the granter has no authority for, or one that would
    break the separation of duties (raises :class:`RoleError`)."""
    require(granter, Action.ROLE_CHANGE)
    if grantee.account_id == granter.account_id:
        raise RoleError("accounts.own_roles", login=granter.login)
    if grantee.disabled:
        raise RoleError("accounts.account_disabled", login=grantee.login)
    if not grant:
        return
    if grantee.member_id is not None:
        raise RoleError("accounts.member_account_no_role", login=grantee.login)
    if grantee.employer is not None:
        raise RoleError("accounts.employer_account_no_role", login=grantee.login)
    for group in EXCLUSIVE:
        if role in group and (held & group) - {role}:
            held_others = sorted((held & group) - {role})
            raise RoleError(
                "accounts.exclusive_roles", login=grantee.login, held=held_others, role=role
            )


def check_quorum(setter: Principal, quorum: int) -> None:
    require(setter, Action.QUORUM_SET)
    if quorum < MIN_QUORUM:
        raise GovernanceError("accounts.quorum_too_small", minimum=MIN_QUORUM)
