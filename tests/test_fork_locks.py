"""Locks of the SDK's other long-lived objects, made anew in a forked child (as the client's are, see
tests/client/test_client_config.py): a fork copies a lock held by another thread of the parent as
held, and that thread does not exist in the child, whose first use of the lock waited for ever."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.forkkit import fork_while_held

_FORK_WHILE_A_LOCK_IS_HELD = """
from pyannoteai_identify.batch import Manifest, ManifestError
from pyannoteai_identify.receiver import MemoryDeliveryStore, WebhookBroker, WebhookReceiver
from pyannoteai_identify.testing import MockAPI

which, folder = sys.argv[1], sys.argv[2]
broker = WebhookBroker()
store = MemoryDeliveryStore()
receiver = WebhookReceiver("whsec_dGVzdC1zZWNyZXQ=", store=store, broker=broker)
mock = MockAPI()
manifest = Manifest(os.path.join(folder, "m.sqlite"))
lock = {
    "broker": broker._lock,
    "delivery-store": store._lock,
    "receiver-budget": receiver._in_flight._lock,
    "mock-api": mock._lock,
    "manifest": manifest._lock,
}[which]

def first_steps():
    broker.discard("job-1")
    assert broker.wait("job-1", 0.01) is None and broker.pending() == 0
    assert store.claim("job-2") and not store.claim("job-2")
    assert receiver._in_flight.take(10)
    receiver._in_flight.give(10)
    mock.advance(1)
    try:  # SQLite's connection cannot be used in a forked child: refused at once, not a hang
        manifest.get_meta("schema")
    except ManifestError as error:
        assert "fork" in str(error), error
    else:
        raise AssertionError("the parent's manifest was used in the child")
    manifest.close()
"""

_AFTER_THE_CHILD = """
# The child's close() left the parent's manifest and its process lock alone.
assert manifest.get_meta("schema") is not None
try:
    Manifest(os.path.join(folder, "m.sqlite"))
except ManifestError as error:
    assert "in use" in str(error), error
else:
    raise AssertionError("the child's close() released the parent's manifest lock")
manifest.close()
"""


@pytest.mark.parametrize("lock", ["broker", "delivery-store", "receiver-budget", "mock-api", "manifest"])
def test_a_child_forked_while_another_thread_holds_a_lock_of_an_sdk_object_uses_the_object(
    lock: str, tmp_path: Path
) -> None:
    """A ``WebhookBroker`` (its publish/wait/discard), a ``MemoryDeliveryStore`` (claim), a
    ``WebhookReceiver``'s byte budget, a ``MockAPI`` (every request and ``advance``) and a batch
    ``Manifest`` (every method) each take a lock; forked while another thread held it, the child's
    first use of the object waited for ever. The child must finish its first steps within 10 s: a
    manifest, whose SQLite connection cannot cross a fork, refuses use there with ManifestError."""
    done = fork_while_held(_FORK_WHILE_A_LOCK_IS_HELD, lock, str(tmp_path), after=_AFTER_THE_CHILD)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "child exit code: 0", done.stdout + done.stderr
