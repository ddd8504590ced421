"""What ``import pyannoteai_identify`` costs: heavy modules wait until they are needed."""

from __future__ import annotations

import json
import subprocess
import sys

#: Imported only on first use: the generated package (and attrs, which it needs) when the first
#: request is built, asyncio when a broker is first awaited.
DEFERRED = ("pyannoteai_api", "attr", "attrs", "asyncio")


def test_importing_the_package_leaves_the_generated_client_attrs_and_asyncio_unimported() -> None:
    """A fresh interpreter that imports pyannoteai_identify (and builds a Client) has none of them loaded.

    trio is hidden: httpcore imports it (and with it attrs) whenever it is installed, as it is for
    this suite's trio tests; that cost is httpcore's, not this package's. httpx's command line is hidden
    too: httpx imports httpx._main whenever rich and click are installed, and rich before 15 imports
    attrs (rich 13, the cli extra's lower bound, in `nox -s lowest`); that cost is httpx's and rich's."""
    code = (
        "import json, sys\n"
        "sys.modules['trio'] = None\n"
        "sys.modules['httpx._main'] = None\n"
        "import pyannoteai_identify\n"
        "pyannoteai_identify.Client('sk-test').close()\n"
        f"print(json.dumps([name for name in {DEFERRED!r} if name in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert json.loads(done.stdout) == []


def test_the_generated_client_is_imported_when_the_first_request_is_built() -> None:
    """Building a request imports the generated route and model, and the route is the documented one."""
    code = (
        "import json, sys\n"
        "from pyannoteai_identify import _core\n"
        "kwargs = _core.get_job_request('fb16c565')\n"
        "print(json.dumps([kwargs['method'], kwargs['url'], 'pyannoteai_api' in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert json.loads(done.stdout) == ["get", "/v1/jobs/fb16c565", True]
