"""``hotline users add|list|revoke DIR``: manage the node's users in its store directly
(:mod:`hotline.provision.users`), whether or not the node runs."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from ..auth import ROLES
from ..provision.users import create_user, list_users, revoke_user
from ..store.base import UserRecord
from .common import add_command, add_dir

DESCRIPTION = """\
Add, list and revoke the users of a node. Roles: operator and automation (read, post), auditor
(read, export), admin (users). 'users add' prints the new user's token, once, and nothing else.

examples:
  TOKEN=$(hotline users add alpha duty-officer --role operator)
  hotline users list alpha
  hotline users revoke alpha duty-officer
"""


def add_parser(subparsers: Any) -> None:
    p = add_command(subparsers, "users", "add, list and revoke users", DESCRIPTION)
    sub = p.add_subparsers(dest="users_command", metavar="COMMAND", required=True)

    add = add_command(
        sub,
        "add",
        "add a user and print its one-time token",
        "Add a user; prints its bearer token (shown only now) on stdout.",
    )
    add_dir(add)
    add.add_argument("name", metavar="NAME", help="user name: 1-64 of a-z 0-9 . _ -")
    add.add_argument("--role", required=True, choices=ROLES, help="what the user may do")
    add.add_argument(
        "--nation",
        help="the nation the user posts as (ISO 3166-1 alpha-3); default: the node's",
    )
    add.add_argument("--unit", help="the unit the user posts as; default: the node's")
    add.set_defaults(func=run_add)

    ls = add_command(
        sub,
        "list",
        "list users (name, role, created, revoked)",
        "List every user, revoked ones included.",
    )
    add_dir(ls)
    ls.set_defaults(func=run_list)

    rev = add_command(
        sub,
        "revoke",
        "revoke a user's token",
        "Revoke a user: its token is refused from the next request on.",
    )
    add_dir(rev)
    rev.add_argument("name", metavar="NAME")
    rev.set_defaults(func=run_revoke)


def run_add(args: argparse.Namespace) -> int:
    print(create_user(args.dir, args.name, args.role, args.nation, args.unit))
    return 0


def run_list(args: argparse.Namespace) -> int:
    users = list_users(args.dir)
    rows = [("NAME", "ROLE", "CREATED", "REVOKED")] + [_row(u) for u in users]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    revoked, user = revoke_user(args.dir, args.name)
    if revoked:
        print(f"revoked {user.name} ({user.role})")
    else:
        print(f"{user.name} was already revoked at {_time(user.revoked_ms)}")
    return 0


def _row(user: UserRecord) -> tuple[str, str, str, str]:
    revoked = _time(user.revoked_ms) if user.revoked_ms is not None else "-"
    return user.name, user.role, _time(user.created_ms), revoked


def _time(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
