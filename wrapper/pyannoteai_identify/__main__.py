"""``python -m pyannoteai_identify``: the same as the ``pyannoteai-identify`` command."""

from .cli import main

raise SystemExit(main())
