"""Figures the suite reports at its end: how many pages axe-core checked and what it
found, how many fuzzing examples ran, how many headers were checked. Tests add to them
with ``record``; tests/conftest.py prints them in the closing summary, so CI's log
carries them."""

from __future__ import annotations

from collections import Counter

FIGURES: Counter[str] = Counter()


def record(name: str, amount: int = 1) -> None:
    """Add ``amount`` to the figure called ``name``."""
    FIGURES[name] += amount
