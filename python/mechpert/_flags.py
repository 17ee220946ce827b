"""Keyword arguments as the `mechpert` binary's flags: `perturbation_key="x"` is
`--perturbation-key x`, `True` is a bare flag, `False`/`None` leave it out, and a list repeats
the flag once per item (the binary accumulates them)."""

from __future__ import annotations

import os
from typing import Any

# The flags every screen reader takes (`ScreenArgs` in the binary).
SCREEN_FLAGS = (
    "format",
    "perturbation_key",
    "control",
    "values",
    "normalize",
    "layer",
    "labels",
    "aliases",
    "no_aliases",
    "missing",
)


def to_flags(**kwargs: Any) -> list[str]:
    """The binary's flags for these keyword arguments, in the order given."""
    argv: list[str] = []
    for key, value in kwargs.items():
        if value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        if value is True:
            argv.append(flag)
        elif isinstance(value, (list, tuple)):
            for item in value:
                argv += [flag, _text(item)]
        else:
            argv += [flag, _text(value)]
    return argv


def _text(value: Any) -> str:
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)


def screen_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The screen-reading options among `kwargs` (removed from it)."""
    return {k: kwargs.pop(k) for k in SCREEN_FLAGS if k in kwargs}
