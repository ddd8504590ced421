"""The version of pyannoteai-identify (read by the build backend too)."""

__version__ = "0.1.0"
