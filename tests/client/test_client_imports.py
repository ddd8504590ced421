"""What ``import pyannoteai_identify`` costs: heavy modules wait until they are needed."""

from __future__ import annotations

import json
import subprocess
import sys

#: Imported only on first use: the generated package (and attrs, which it needs) when the first
#: request is built, asyncio when a broker is first awaited, the webhook receiver when one of its
#: classes is first named (``pyannoteai_identify.WebhookBroker``) or a wait is given a broker, the
#: webhook parser when ``webhooks`` or ``WebhookEvent`` is first named, ``wave`` when a local WAV's
#: duration is first checked.
DEFERRED = (
    "pyannoteai_api",
    "attr",
    "attrs",
    "asyncio",
    "pyannoteai_identify.receiver",
    "pyannoteai_identify.webhooks",
    "pyannoteai_identify._webhook_parse",
    "wave",
)


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


def test_the_names_imported_on_first_use_are_those_of_the_modules_that_define_them() -> None:
    """``dir()`` lists ``webhooks``, ``WebhookEvent``, ``WebhookBroker`` and ``WebhookReceiver`` before
    they are imported; reading one (as an attribute, by ``from ... import`` or ``import *``) gives the
    defining module's object, the same each time, and imports that module then, not before."""
    code = (
        "import json, sys\n"
        "import pyannoteai_identify as package\n"
        "lazy = ['WebhookBroker', 'WebhookEvent', 'WebhookReceiver', 'webhooks']\n"
        "listed = [name for name in lazy if name in dir(package)]\n"
        "before = 'pyannoteai_identify.webhooks' in sys.modules\n"
        "from pyannoteai_identify import WebhookEvent, webhooks\n"
        "from pyannoteai_identify.receiver import WebhookBroker, WebhookReceiver\n"
        "found = {}\n"
        "exec('from pyannoteai_identify import *', found)\n"
        "print(json.dumps([listed, before, 'pyannoteai_identify.webhooks' in sys.modules,\n"
        "    webhooks is sys.modules['pyannoteai_identify.webhooks'], WebhookEvent is webhooks.WebhookEvent,\n"
        "    package.WebhookEvent is WebhookEvent, package.WebhookBroker is WebhookBroker,\n"
        "    package.WebhookReceiver is WebhookReceiver, found['webhooks'] is webhooks,\n"
        "    sorted(set(package.__all__) - set(found))]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    listed, before, after, *same, missing = json.loads(done.stdout)
    assert (listed, before, after, missing) == (
        ["WebhookBroker", "WebhookEvent", "WebhookReceiver", "webhooks"],
        False,
        True,
        [],
    )
    assert same == [True] * 6


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


#: Optional extras (testing, sandbox, receiver, cli): importing the package's public modules loads none.
EXTRAS = ("respx", "starlette", "uvicorn", "rich", "jsonschema")


def test_importing_the_public_modules_and_the_plugin_leaves_the_extras_unimported() -> None:
    """The package, ``testing`` (the pytest plugin entry point, imported by every pytest run),
    ``receiver``, ``webhooks`` and ``batch`` bind the extras' types to lazy stand-ins for
    ``typing.get_type_hints``: each, imported alone in a fresh interpreter, loads no extra (httpx's
    command line and trio are hidden, as above: their costs are httpx's and httpcore's)."""
    modules = ("pyannoteai_identify", "testing", "receiver", "webhooks", "batch", "sandbox.pytest_fixture")
    for module in modules:
        name = module if module == "pyannoteai_identify" else f"pyannoteai_identify.{module}"
        code = (
            "import json, sys\n"
            "sys.modules['trio'] = None\n"
            "sys.modules['httpx._main'] = None\n"
            f"import {name}\n"
            f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({EXTRAS!r}))))\n"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
        assert (name, json.loads(done.stdout)) == (name, [])


def test_the_receiver_module_is_an_attribute_of_the_package_when_first_named() -> None:
    """``import pyannoteai_identify`` then ``pyannoteai_identify.receiver.WebhookReceiver`` (the dotted
    path docs/webhooks.md names) worked while the package imported the receiver: it still does,
    importing it on first use, and ``dir()`` lists it. Until then it stays unimported."""
    code = (
        "import json, sys\n"
        "import pyannoteai_identify\n"
        "before = 'pyannoteai_identify.receiver' in sys.modules\n"
        "listed = 'receiver' in dir(pyannoteai_identify)\n"
        "receiver = pyannoteai_identify.receiver\n"
        "print(json.dumps([before, listed, receiver is sys.modules['pyannoteai_identify.receiver'],\n"
        "    receiver.WebhookReceiver is pyannoteai_identify.WebhookReceiver,\n"
        "    hasattr(pyannoteai_identify, 'no_such_module')]))\n"
    )
    done = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stderr.splitlines()[-1:] == []
    assert json.loads(done.stdout) == [False, True, True, True, False]
