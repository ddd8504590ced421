"""The import benchmark times imports as an installed package runs them: from compiled bytecode."""

from __future__ import annotations

import pytest

from benchmarks import bench_import


def test_the_children_write_bytecode_caches_whatever_the_environment_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setenv("PYTHONPROFILEIMPORTTIME", "1")

    env = bench_import._env()

    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert "PYTHONPROFILEIMPORTTIME" not in env
