"""``python -m pyannoteai_identify.sandbox``: the same as ``pyannoteai-identify sandbox``."""

import sys

try:
    from . import serve  # through the package, whose error names the extra to install
except ModuleNotFoundError as error:
    print(f"error: {error}", file=sys.stderr)
    raise SystemExit(2) from None

raise SystemExit(serve())
