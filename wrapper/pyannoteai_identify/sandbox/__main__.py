"""``python -m pyannoteai_identify.sandbox``: the same as ``pyannoteai-identify sandbox``."""

from ._cli import serve

raise SystemExit(serve())
