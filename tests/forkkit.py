"""A fork while another thread of the parent holds a lock: the script the fork tests run.

A test's *setup* (Python source) defines ``lock``, the lock a parent thread holds at the fork, and
``first_steps()``, what the child does first with the objects that lock guards; *after* runs in the
parent once the child has ended. The child must finish its first steps within 10 s (exit code 0;
3 if they hang); the parent waits for it at most 20 s, then kills it. The script prints
``child exit code: N`` or ``child hung: killed``.
"""

from __future__ import annotations

import subprocess
import sys

_FORK_WHILE_HELD = """
held, release = threading.Event(), threading.Event()

def hold():
    with lock:
        held.set()
        release.wait(10)

threading.Thread(target=hold, daemon=True).start()
assert held.wait(5)
pid = os.fork()
if pid == 0:
    done = threading.Event()

    def run():
        first_steps()
        done.set()

    threading.Thread(target=run, daemon=True).start()
    os._exit(0 if done.wait(10) else 3)
release.set()
deadline = time.monotonic() + 20
while True:
    ended, status = os.waitpid(pid, os.WNOHANG)
    if ended:
        print("child exit code:", os.waitstatus_to_exitcode(status))
        break
    if time.monotonic() > deadline:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        print("child hung: killed")
        break
    time.sleep(0.05)
"""


def fork_while_held(setup: str, *args: str, after: str = "") -> subprocess.CompletedProcess[str]:
    """Run *setup*, the fork and *after* in a new Python process (``sys.argv[1:]`` is *args*), bounded to 60 s."""
    script = "import os, signal, sys, threading, time\n" + setup + _FORK_WHILE_HELD + after
    return subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=60, check=False
    )
