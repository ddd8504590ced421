"""``pyannoteai-identify sandbox``: serve the fake API in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import re
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import TextIO

from .._cli_numbers import number, whole_number
from .._config import is_loopback
from .._validation import DEFAULT_RATE_LIMIT
from ._defaults import DEFAULT_API_KEY, DEFAULT_WEBHOOK_SECRET
from ._server import Sandbox

__all__ = ["parser", "serve"]


def parser(prog: str = "pyannoteai-identify sandbox") -> argparse.ArgumentParser:
    """The command's arguments (the CLI embeds them as its ``sandbox`` subcommand)."""
    p = argparse.ArgumentParser(
        prog=prog,
        description="Serve a local, stateful fake of the pyannoteAI API (no real key, nothing leaves the machine).",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=whole_number, default=0, help="port (default: 0, a free one)")
    p.add_argument("--api-key", default=DEFAULT_API_KEY, help=f"the key clients must send (default: {DEFAULT_API_KEY})")
    p.add_argument(
        "--webhook-secret",
        default=DEFAULT_WEBHOOK_SECRET,
        help=f"the secret webhooks are signed with (default: {DEFAULT_WEBHOOK_SECRET})",
    )
    p.add_argument(
        "--rate-limit",
        type=whole_number,
        default=DEFAULT_RATE_LIMIT,
        metavar="N",
        help=f"requests per minute per key; 0 = off (default: {DEFAULT_RATE_LIMIT}, the API's)",
    )
    p.add_argument(
        "--queue-seconds", type=number, default=1.0, metavar="S", help="simulated seconds a job waits (default: 1)"
    )
    p.add_argument(
        "--job-seconds", type=number, default=4.0, metavar="S", help="simulated seconds a job runs (default: 4)"
    )
    p.add_argument(
        "--retention-seconds",
        type=number,
        default=86400.0,
        metavar="S",
        help="how long results are kept (default: 86400, 24 h)",
    )
    p.add_argument(
        "--speed", type=number, default=1.0, metavar="X", help="divide every simulated duration by X (default: 1)"
    )
    p.add_argument("--allow-external-webhooks", action="store_true", help="also deliver webhooks to non-loopback hosts")
    p.add_argument("--quiet", action="store_true", help="do not log each request")
    return p


def _shown(value: str, default: str, option: str) -> str:
    """The built-in sandbox credential is shown; one the user chose might be real, so it never is."""
    return value if value == default else f"<as given with {option}>"


def _as_option(match: re.Match[str]) -> str:
    """``rate_limit=`` (a parameter of Sandbox, at the start of its message) as ``--rate-limit=``."""
    return f"--{match[1].replace('_', '-')}{match[2]}"


def serve(argv: Sequence[str] | None = None, *, out: TextIO | None = None, stop: threading.Event | None = None) -> int:
    """Run the sandbox until Ctrl-C, SIGTERM or *stop* is set; print where it listens. Returns the exit status:
    0 after SIGTERM or *stop*, 130 after Ctrl-C (as the other commands), 2 when it cannot start. A
    second Ctrl-C, or a SIGTERM, while it stops (up to about 2 s) ends the wait for requests in flight
    at once ("sandbox stopped (forced)"; 130, or 143 after SIGTERM).

    Args:
        argv: the command's arguments (default: ``sys.argv[1:]``).
        out: where the banner goes (default: standard output).
        stop: an event that ends the command when set (for embedding it in another program).
    """
    stream = out or sys.stdout
    args = parser().parse_args(argv)
    if not args.quiet:
        # uvicorn is started without a logging config: show its request log (and ours) here.
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        sandbox = Sandbox(
            api_key=args.api_key,
            webhook_secret=args.webhook_secret,
            host=args.host,
            port=args.port,
            rate_limit=args.rate_limit,
            queue_seconds=args.queue_seconds,
            job_seconds=args.job_seconds,
            retention_seconds=args.retention_seconds,
            speed=args.speed,
            allow_external_webhooks=args.allow_external_webhooks,
            log_level="warning" if args.quiet else "info",
        )
        sandbox.start()
    except ValueError as exc:
        # "rate_limit=-5: …" and "api_key: …" name Sandbox's parameters: the user typed --rate-limit -5.
        print(f"error: {re.sub(r'^([a-z_]+)([=:])', _as_option, str(exc))}", file=sys.stderr)
        return 2
    except OSError as exc:
        # "[Errno 98] Address already in use" does not say which address: the user may have several.
        reason = (exc.strerror or str(exc)).lower()
        print(f"error: cannot listen on {args.host}:{args.port}: {reason}", file=sys.stderr)
        return 2
    stop = stop or threading.Event()
    closing = _Closing()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if closing.active:  # a second SIGTERM while close() waits: stop waiting, as a second Ctrl-C does
            closing.active = False  # raised once: _close catches it, and one more only sets *stop*
            raise _Forced(128 + signum)
        stop.set()

    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, on_signal) if in_main_thread else None
    try:
        print(f"pyannoteAI sandbox listening on {sandbox.base_url}", file=stream)
        print(f"  PYANNOTEAI_BASE_URL={sandbox.base_url}", file=stream)
        print(f"  PYANNOTEAI_API_KEY={_shown(sandbox.api_key, DEFAULT_API_KEY, '--api-key')}", file=stream)
        secret = _shown(sandbox.webhook_secret, DEFAULT_WEBHOOK_SECRET, "--webhook-secret")
        print(f"  PYANNOTEAI_WEBHOOK_SECRET={secret}", file=stream)
        if not is_loopback(args.host):  # 127.0.0.0/8, ::1 in any spelling, localhost; a wildcard is not
            print(f"  warning: listening on {args.host}: other machines can reach the sandbox", file=stream)
        print("Press Ctrl-C to stop.", file=stream, flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        code = 130  # 128 + SIGINT, as every other command reports Ctrl-C
    else:
        code = 0
    finally:
        # The handler stays until close() returns: a second SIGTERM must not kill it.
        forced = _close(sandbox, closing)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print("sandbox stopped" if forced is None else "sandbox stopped (forced)", file=stream, flush=True)
    return code if forced is None else forced


class _Closing:
    """Whether a SIGTERM now forces the close: true only inside the ``try`` of :func:`_close` that
    catches what the handler then raises, so that no SIGTERM escapes serve() as ``_Forced``."""

    active: bool = False


class _Forced(BaseException):
    """Raised by the SIGTERM handler while the sandbox closes (a BaseException, as KeyboardInterrupt
    is, so that no ``except Exception`` on the way swallows it); ``args[0]`` is the exit status."""


def _close(sandbox: Sandbox, closing: _Closing) -> int | None:
    """Close *sandbox*; the exit status if a second Ctrl-C (130) or a SIGTERM (143) came meanwhile,
    which stops the wait (the server's threads are daemons, which end with the process), else None.

    *closing* is set and reset within the outer ``try``: a SIGTERM raises ``_Forced`` only while it
    is set (and resets it), so wherever one lands, before, during or after ``close()``, it is caught.
    """
    try:
        try:
            closing.active = True
            sandbox.close()
        finally:
            closing.active = False  # one more now only sets *stop*, already set
    except KeyboardInterrupt:
        return 130
    except _Forced as forced:
        status: int = forced.args[0]
        return status
    return None
