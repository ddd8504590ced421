"""``pyannoteai-identify webhook verify``: check a delivery's signature as the receiver would, the
raw body on standard input and the secret from ``PYANNOTEAI_WEBHOOK_SECRET`` (or ``--secret``).
Exit 0 and ``valid``; 1 and the reason for a delivery that fails (one over the receiver's default
``max_body_bytes`` too: a receiver refuses it unread, and reading it whole could fill the memory);
2 for no usable secret, or no body (standard input closed, or a terminal)."""

from __future__ import annotations

import argparse
import os
import sys

from . import errors
from ._cli_client import warn_if_secret_in_argv
from ._cli_errors import FAILED, OK, CLIError
from ._cli_output import is_terminal
from ._config import WEBHOOK_SECRET_ENV

__all__ = ["cmd_webhook_verify"]


def cmd_webhook_verify(args: argparse.Namespace) -> int:
    from . import webhooks
    from ._receiver_core import DEFAULT_MAX_BODY_BYTES

    warn_if_secret_in_argv("--secret", args.secret, WEBHOOK_SECRET_ENV)
    secret = (args.secret or os.environ.get(WEBHOOK_SECRET_ENV, "")).strip()
    if not secret:
        # A missing secret is a setup problem (exit 2), not a delivery that failed verification (exit 1).
        raise CLIError(f"no webhook secret: pass --secret or set {WEBHOOK_SECRET_ENV}")
    if sys.stdin is None:  # closed (`<&-`, some daemons): there is no body to verify
        raise CLIError("no body: pipe the raw delivery body to standard input")
    if is_terminal(sys.stdin):
        # A forgotten `< body.json` would wait there in silence; and a body typed or pasted at a
        # terminal gains the newline that ends it, which no signature covers.
        raise CLIError(
            "no body: standard input is a terminal; pipe or redirect the raw delivery body in "
            "(`pyannoteai-identify webhook verify ... < body.json`)"
        )
    args.pending = "nothing was sent"  # Ctrl-C while the body is read: this command submits no job
    body = sys.stdin.buffer.read(DEFAULT_MAX_BODY_BYTES + 1)  # the byte past the cap tells a body over it
    if len(body) > DEFAULT_MAX_BODY_BYTES:
        print(
            f"invalid: the body is over {DEFAULT_MAX_BODY_BYTES} bytes, the receiver's default max_body_bytes, "
            "which it refuses unread (too_large)",
            file=sys.stderr,
        )
        return FAILED
    headers = {webhooks.SIGNATURE_HEADER: args.signature, webhooks.TIMESTAMP_HEADER: args.timestamp}
    tolerance = None if args.no_tolerance else args.tolerance
    try:
        webhooks.verify(body, headers, secret, tolerance=tolerance)
    except errors.WebhookVerificationError as error:
        if error.reason == "no_secret":  # a secret that cannot be used: setup (2), not the delivery (1)
            raise CLIError(str(error)) from error
        print(f"invalid: {error} ({error.reason})", file=sys.stderr)
        return FAILED
    print("valid")
    return OK
