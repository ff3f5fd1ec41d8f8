"""The shipped templates as data: a folder of ``<name>_template.json`` app files.

The top floor says where the folder is (and how to reach a template's demo-data maker,
which is code that stands on the engines); nothing below it imports the templates.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from brickwork.platform.errors import NotFound
from brickwork.platform.i18n import _

SUFFIX = "_template.json"
DemoMaker = Callable[..., dict[str, int]]  # generate(session, app, size, seed) -> records made per form


class Catalog:
    def __init__(self, folder: Traversable | Path, demo: Callable[[str], DemoMaker | None] | None = None):
        self.folder = folder
        self._demo = demo

    def available(self) -> list[str]:
        """The names of the templates in the folder."""
        return sorted(entry.name.removesuffix(SUFFIX) for entry in self.folder.iterdir()
                      if entry.name.endswith(SUFFIX))

    def load(self, name: str) -> dict[str, Any]:
        if name not in self.available():
            raise NotFound(_("There is no template called %(name)s.", name=name))
        return json.loads(self.folder.joinpath(name + SUFFIX).read_text("utf-8"))

    def demo_generator(self, name: str) -> DemoMaker:
        """The template's demo-data maker: ``generate(session, app, size, seed)``."""
        generate = self._demo(name) if self._demo else None
        if generate is None:
            raise NotFound(_("The template %(name)s has no demo data.", name=name))
        return generate
