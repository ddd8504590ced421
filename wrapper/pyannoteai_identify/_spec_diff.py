"""Compare two OpenAPI documents and say which differences break a client built on the first.

``python -m pyannoteai_identify._spec_diff OURS OTHER [--json]`` reads two OpenAPI 3.0 or 3.1
documents (YAML or JSON) and lists what changed from OURS to OTHER: operations, parameters,
request and response fields (with their JSON paths), required-ness, types, enum values, bounds,
``not`` rules, response statuses and headers. Each change is BREAKING, needs a client edit, or is
compatible *for a client built on OURS that talks to a server implementing OTHER*:

- what the client sends (request bodies, parameters) breaks when OTHER accepts less: a new
  required field, a removed enum value, a tightened bound, a narrower type, a removed field;
- what the client receives (response bodies and headers, webhook deliveries) breaks when OTHER
  may send more or less than OURS promised: a removed field or header, a field no longer
  required, a new enum value (e.g. a new job status), a loosened bound, a wider type;
- a new error status of an operation breaks nothing, but needs a client edit: the client raises
  a plain ``APIError`` for it until it has an exception of its own (README, "When the API changes").

Before comparing, both documents are normalised so spelling differences do not show up as
changes: ``$ref``s are resolved, ``allOf`` parts are merged, OpenAPI 3.0's ``nullable: true``
becomes a ``null`` type as in 3.1, its boolean ``exclusiveMinimum``/``exclusiveMaximum`` become
3.1's numeric form, and ``integer`` counts as a subset of ``number``. Path templates match
whatever their parameters are called (``/v1/jobs/{jobId}`` is ``/v1/jobs/{id}``).

Exit code: 0 when nothing breaks (changes that need a client edit included), 1 when something does,
2 when a document cannot be read.
Standard library only; PyYAML is imported when a YAML document is read. ``nox -s spec-diff --
OTHER`` runs it against openapi.yaml.

This module is the command line (re-exporting the names of ``__all__``); the work is done by ``_spec_diff_load``
(reading a file), ``_spec_diff_document`` (``$ref``s and normalisation), ``_spec_diff_operations``,
``_spec_diff_schema`` and ``_spec_diff_bounds`` (comparing), ``_spec_diff_context`` (recording a
change and whether it breaks) and ``_spec_diff_report`` (text and JSON).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from ._spec_diff_change import Change, SpecDiffError
from ._spec_diff_load import load_document
from ._spec_diff_operations import diff_documents
from ._spec_diff_report import render_json, render_text

__all__ = ["Change", "SpecDiffError", "diff_documents", "load_document", "main", "render_json", "render_text"]

#: What reading a part of a document of another shape than OpenAPI's raises (a string for a map, …).
_SHAPE_ERRORS = (AttributeError, TypeError, IndexError, KeyError, ValueError)


def _well_formed(document: Mapping[str, Any]) -> bool:
    """Whether *document* can be compared, with itself: every part of it is then read."""
    try:
        diff_documents(document, document)
    except (SpecDiffError, *_SHAPE_ERRORS):
        return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Run the comparison; 0 when nothing breaks, 1 when something does, 2 when a document is unreadable."""
    parser = argparse.ArgumentParser(
        prog="python -m pyannoteai_identify._spec_diff",
        description="List the differences between two OpenAPI documents, marking what breaks a client built on OURS.",
    )
    parser.add_argument("ours", help="the contract the client is built on (YAML or JSON)")
    parser.add_argument("other", help="the document to compare with, e.g. a newer upstream openapi.json")
    parser.add_argument("--json", action="store_true", help="print the changes as JSON")
    args = parser.parse_args(argv)
    try:
        documents = {args.ours: load_document(args.ours), args.other: load_document(args.other)}
        changes = diff_documents(documents[args.ours], documents[args.other], names=(args.ours, args.other))
    except SpecDiffError as error:
        print(f"spec-diff: {error}", file=sys.stderr)
        return 2
    except _SHAPE_ERRORS as error:
        # A part of a document that is not the shape OpenAPI gives it ("paths": "nope"): a document
        # that cannot be read, not a breaking change (exit 1 would say the API broke).
        bad = [name for name, document in documents.items() if not _well_formed(document)] or list(documents)
        print(
            f"spec-diff: {' and '.join(bad)} {'is' if len(bad) == 1 else 'are'} not a well-formed OpenAPI 3.x "
            f"document{'s' if len(bad) > 1 else ''} ({type(error).__name__}: {error})",
            file=sys.stderr,
        )
        return 2
    if args.json:
        sys.stdout.write(render_json(changes, args.ours, args.other) + "\n")
    else:
        sys.stdout.write(render_text(changes, args.ours, args.other))
    return 1 if any(change.breaking for change in changes) else 0


if __name__ == "__main__":
    sys.exit(main())
