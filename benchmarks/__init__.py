"""Ratio benchmarks of pyannoteai-identify: `nox -s bench` (or `python -m benchmarks`)."""
