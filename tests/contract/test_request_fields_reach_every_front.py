"""Every optional field of the identify request reaches each way users submit one.

README.md's maintainer guide: a new request field needs a hand edit of "the client's keyword
arguments, the batch and CLI options", and a test fails until it is made. test_wrapper_round_trip.py
checks the client's keywords only: ``model`` (added to openapi.yaml and ``Client.identify``) reached
neither ``identify_batch`` nor ``pyannoteai-identify identify``/``batch``, and no test failed.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import re

import pytest

from pyannoteai_identify import AsyncClient, Client, Matching, cli
from pyannoteai_identify._spec import SPEC
from pyannoteai_identify._validation import check_matching
from pyannoteai_identify.batch import _api

#: Request fields each front takes in another form: the audio and the voiceprints are positional
#: arguments, and batch asks the webhook for whole results (its reconciliation reads them).
NOT_OPTIONS = {"url", "voiceprints", "webhookStatusOnly"}
OPTIONAL_FIELDS = sorted(set(SPEC["components"]["schemas"]["IdentifyRequest"]["properties"]) - NOT_OPTIONS)
MATCHING_FIELDS = sorted(SPEC["components"]["schemas"]["Matching"]["properties"])


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _cli_options(command: str) -> set[str]:
    parser = cli.build_parser()
    (sub,) = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    return {action.dest for action in sub.choices[command]._actions}


@pytest.mark.parametrize("field", OPTIONAL_FIELDS)
def test_each_optional_identify_field_is_a_keyword_of_the_clients_and_the_batch(field: str) -> None:
    """``Client.identify``, ``AsyncClient.identify``, ``identify_batch`` and ``aidentify_batch`` take it."""
    keyword = _snake(field)
    takes = {
        where: keyword in inspect.signature(function).parameters
        for where, function in {
            "Client.identify": Client.identify,
            "AsyncClient.identify": AsyncClient.identify,
            "identify_batch": _api.identify_batch,
            "aidentify_batch": _api.aidentify_batch,
        }.items()
    }
    assert all(takes.values()), f"openapi.yaml's IdentifyRequest.{field} is no keyword of: {takes}"


@pytest.mark.parametrize("field", OPTIONAL_FIELDS)
@pytest.mark.parametrize("command", ["identify", "batch"])
def test_each_optional_identify_field_is_an_option_of_the_commands_that_submit_identify_jobs(
    field: str, command: str
) -> None:
    """``pyannoteai-identify identify`` and ``batch`` have an option setting it (matching's fields by name)."""
    wanted = {_snake(field)}
    if field == "matching":  # set through --threshold and --exclusive-matching
        wanted = {"threshold", "exclusive_matching"}
    assert wanted <= _cli_options(command), f"`{command}` has no option for IdentifyRequest.{field}"


@pytest.mark.parametrize("field", MATCHING_FIELDS)
def test_each_matching_field_is_a_field_of_matching_and_a_key_of_its_mapping_form(field: str) -> None:
    """``Matching`` has a field for each property of the contract's ``Matching``, and ``identify(matching=
    {...})`` takes it as a key: a property the contract gains fails here by name, not only as an
    unexplained ``{'matching': {}}`` difference in test_wrapper_round_trip.py's generated bodies."""
    keyword = _snake(field)
    fields = {item.name for item in dataclasses.fields(Matching)}
    assert keyword in fields, (
        f"openapi.yaml's Matching.{field} is no field of pyannoteai_identify.Matching {sorted(fields)}"
    )
    assert check_matching({keyword: None}) == Matching(), f"matching={{{keyword!r}: None}} is refused"
