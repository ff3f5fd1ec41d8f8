"""The kinds registry: one entry per kind of definition, registered by the engine that owns it.

An entry says everything the ground floor needs to serve a kind without knowing it: the
pydantic model (and so the published JSON Schema), a check at save beyond the model, the
publish step, the kind's place in the app file (its section, the kinds installed before
it, how a batch of it installs), the rule an upgrade merges it by, and the app file's
other sections the kind owns (a form's shared views). The store, drafts, versions, diffs,
the app file and template upgrades read the registry they are given; none imports an engine.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel
from sqlalchemy.orm import Session

from brickwork.platform.definitions.base import DefinitionModel
from brickwork.platform.definitions.schemas import json_schema
from brickwork.platform.errors import FieldError, NotFound
from brickwork.platform.i18n import _

if TYPE_CHECKING:
    from brickwork.platform.models import App


class PublishHook(Protocol):
    """What an engine does when a definition of its kind goes live (a form changes its
    table). Runs in the publishing transaction; raising refuses the publication. Returns
    the body to publish (the engine may settle it) and a report of what changed."""

    def __call__(self, session: Session, app: App, key: str, previous: dict | None, body: dict,
                 version: int, *, dry_run: bool, force: bool, fill: dict | None = None) -> tuple[dict, dict]: ...


class MergeRule(Protocol):
    """How an upgrade merges one definition: the template as installed (base), the app as
    its users changed it (mine), the new template (theirs). ``merge`` is the upgrade's
    ``Merge`` (platform/appfile/merge.py), which notes conflicts; ``MISSING`` stands for an
    absent side. Returns the merged body."""

    def __call__(self, merge: Any, base: Any, mine: Any, theirs: Any, path: str) -> Any: ...


class FilePart(Protocol):
    """A section of the app file beside ``definitions`` that a kind owns, a list of items
    with ids (the form engine's shared views). Installed after the definitions."""

    name: str
    item: type[BaseModel]

    def export(self, session: Session, app: App) -> list[dict[str, Any]]:
        """The app's items, as the file holds them."""

    def check(self, items: list[Any], definitions: dict[str, list[dict]]) -> list[FieldError]:
        """What is wrong with the items given the file's definitions (paths from ``$.<name>``)."""

    def install(self, session: Session, app: App, items: list[Any], actor_id: int | None) -> int:
        """Create or replace the items by id; returns how many."""


def three_way(merge: Any, base: Any, mine: Any, theirs: Any, path: str) -> Any:
    """The default rule: element by element, each side's change kept, the users' value
    winning a conflict (which is reported)."""
    return merge.value(base, mine, theirs, path)


def template_wins(merge: Any, base: Any, mine: Any, theirs: Any, path: str) -> Any:
    """A definition the template owns whole: where the new version changed it, it replaces
    the users' (their change is reported as replaced); where it did not, theirs stays."""
    if theirs is merge.MISSING or theirs == base:
        return mine
    if mine is not merge.MISSING and mine != base and mine != theirs:
        merge.replaced.append(path)
    return theirs


@dataclass(frozen=True)
class Kind:
    """One kind of definition, as its engine registers it."""

    name: str  # "form": in URLs, the store's rows, the app file
    model: type[DefinitionModel]
    publish: PublishHook | None = None
    # After a definition of this kind went live, in the same transaction (the report engine
    # makes the indexes a report reads through): (session, app, key, the published body).
    published: Callable[[Session, App, str, dict], None] | None = None
    # A check at save beyond the model's own (a rule across definitions, say); problems by JSON path.
    check: Callable[[BaseModel], list[FieldError]] | None = None
    section: str = ""  # its list under the app file's "definitions" (default: the name)
    plural: str = ""  # how listings count it ("forms")
    after: tuple[str, ...] = ()  # kinds whose definitions install first (flows after forms)
    # Said while a batch of this kind installs: the keys arriving together (forms may relate
    # to each other in one transaction).
    arriving: Callable[[Session, frozenset[str]], AbstractContextManager] | None = None
    # When a batch waits on itself in a circle: each body cut down to what others can stand
    # on, published first (a form without its computed fields); None: a circle is an error.
    skeleton: Callable[[dict], dict] | None = None
    merge: MergeRule = three_way
    roles: Callable[[dict], set[str]] | None = None  # the roles a body names (the file carries them)
    parts: tuple[FilePart, ...] = ()
    # The body as the app file carries it: every secret left out (a rule webhook's URL secret).
    exported: Callable[[dict], dict] | None = None
    # A body from a file, installed as a new app: what the file left out made anew.
    fresh: Callable[[dict], dict] | None = None

    @property
    def file_section(self) -> str:
        return self.section or self.name

    def schema(self) -> dict:
        return json_schema(self.name, self.model)

    def installing(self, session: Session, keys: frozenset[str]) -> AbstractContextManager:
        return self.arriving(session, keys) if self.arriving else contextlib.nullcontext()


class KindRegistry:
    """The kinds an installation serves, in the order they were registered."""

    def __init__(self, entries: list[Kind] | tuple[Kind, ...] = ()):
        self._entries: dict[str, Kind] = {}
        for entry in entries:
            self.add(entry)

    def add(self, entry: Kind) -> None:
        if entry.name in self._entries:
            raise ValueError(f"the kind {entry.name} is registered twice")
        sections = {e.file_section for e in self._entries.values()}
        if entry.file_section in sections:
            raise ValueError(f"the app file section {entry.file_section} is taken")
        self._entries[entry.name] = entry

    def __iter__(self) -> Iterator[Kind]:
        return iter(self._entries.values())

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def names(self) -> list[str]:
        return list(self._entries)

    def get(self, name: str) -> Kind:
        if name not in self._entries:
            raise NotFound(_("There is no kind of definition called %(kind)s.", kind=name))
        return self._entries[name]

    def by_section(self, section: str) -> Kind:
        return next(e for e in self if e.file_section == section)

    def parts(self) -> list[FilePart]:
        return [part for entry in self for part in entry.parts]

    def in_install_order(self) -> list[Kind]:
        """Every kind after the kinds it names in ``after``; otherwise as registered."""
        done: list[Kind] = []
        visiting: set[str] = set()

        def visit(entry: Kind) -> None:
            if entry in done:
                return
            if entry.name in visiting:
                raise ValueError(f"the kinds' install order is a circle at {entry.name}")
            visiting.add(entry.name)
            for name in entry.after:
                if name in self._entries:  # a kind not installed here waits on nothing
                    visit(self._entries[name])
            visiting.discard(entry.name)
            done.append(entry)

        for entry in self:
            visit(entry)
        return done
