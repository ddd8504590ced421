"""The ``Client`` a command talks to, made from its connection options (``--api-key``, ``--base-url``,
``--timeout``, ``--max-retries``, ``--poll-interval``), and the warning that a secret typed as an
option is visible to the other users of the machine."""

from __future__ import annotations

import argparse
import sys

from . import _cli_parser
from ._client import Client
from ._config import API_KEY_ENV
from ._polling import PollSchedule

__all__ = ["client_for", "warn_if_secret_in_argv"]


def warn_if_secret_in_argv(option: str, value: str | None, variable: str) -> None:
    """Say on stderr that a secret given as *option* is visible to every user of this machine
    (``ps``, ``/proc/PID/cmdline``), and which environment variable keeps it private."""
    if value and value.strip():
        print(
            f"warning: {option} is visible to other users of this machine (ps, /proc); set {variable} instead",
            file=sys.stderr,
        )


def client_for(args: argparse.Namespace) -> Client:
    """The client of a command given *args* (its connection options), as the CLI identifies itself."""
    warn_if_secret_in_argv("--api-key", args.api_key, API_KEY_ENV)
    schedule = None if args.poll_interval is None else PollSchedule.starting_at(args.poll_interval)
    return Client(
        api_key=args.api_key,
        base_url=args.base_url,
        timeout=args.timeout,
        max_retries=args.max_retries,
        poll_schedule=schedule,
        app_info=_cli_parser.CLI_APP_INFO,
    )
