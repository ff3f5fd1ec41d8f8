"""The app templates shipped with Brickwork: one ``<name>_template.json`` app file each
(package data), and a template's demo data in the module ``<name>_demo`` beside it.

Templates are data to the platform: the top floor (app.py, the command line) hands this
catalog down; installing is the platform's app file (platform/appfile)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib import resources

from brickwork.platform.appfile.catalog import Catalog


def _demo(name: str) -> Callable[..., dict[str, int]] | None:
    try:
        module = importlib.import_module(f"{__package__}.{name}_demo")
    except ModuleNotFoundError:
        return None
    return module.generate


def demo_people(name: str) -> tuple[str, list[tuple[str, str, str, tuple[str, ...]]]] | None:
    """The password and the (username, display name, department, roles) of a template's demo
    people, for the install command to print; None when its demo has no people."""
    try:
        module = importlib.import_module(f"{__package__}.{name}_demo")
    except ModuleNotFoundError:
        return None
    listed = getattr(module, "people", None)
    return (module.DEMO_PASSWORD, listed()) if listed else None


CATALOG = Catalog(resources.files(__package__), _demo)
available, load, demo_generator = CATALOG.available, CATALOG.load, CATALOG.demo_generator
