"""The app templates shipped with Brickwork: one ``<name>_template.json`` app file each
(package data), read here. Installing them is the form engine's (engines/form/appfile)."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from importlib import resources
from typing import Any

from brickwork.platform.errors import NotFound
from brickwork.platform.i18n import _

SUFFIX = "_template.json"


def available() -> list[str]:
    """The names of the shipped templates."""
    return sorted(entry.name.removesuffix(SUFFIX) for entry in resources.files(__package__).iterdir()
                  if entry.name.endswith(SUFFIX))


def load(name: str) -> dict[str, Any]:
    if name not in available():
        raise NotFound(_("There is no template called %(name)s.", name=name))
    return json.loads(resources.files(__package__).joinpath(name + SUFFIX).read_text("utf-8"))


def demo_generator(name: str) -> Callable[..., dict[str, int]]:
    """The template's demo-data maker: ``generate(session, app, size, seed)`` in the module
    ``<name>_demo`` beside it."""
    try:
        module = importlib.import_module(f"{__package__}.{name}_demo")
    except ModuleNotFoundError:
        raise NotFound(_("The template %(name)s has no demo data.", name=name)) from None
    return module.generate
