"""What every command of the command line shares (cli.py, cli_apps.py): the one-line usage
error, a unit of work on the configured database, opening and replacing files."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from brickwork.platform.db import make_engine, make_sessionmaker, transaction
from brickwork.platform.i18n import _
from brickwork.platform.settings import Settings


class UsageError(Exception):
    pass


def _work(settings: Settings, job: Callable):
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            return job(session)
    finally:
        engine.dispose()


def _open(path: Path, mode: str):
    try:
        return path.open(mode)
    except OSError as exc:
        raise UsageError(_("Cannot open %(path)s: %(reason)s", path=path, reason=exc.strerror)) from None


@contextmanager
def replacing(path: Path, mode: str) -> Iterator[IO]:
    """Write a new file beside ``path`` and rename it over ``path`` only when all went well,
    so a failed export leaves no empty or half-written file (nor clobbers an older one)."""
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise UsageError(_("Cannot open %(path)s: %(reason)s", path=path, reason=exc.strerror)) from None
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as out:
            yield out
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def migrated_engine(settings: Settings, migrate_first: bool, not_migrated: str):
    """The database's engine, migrated first when asked; else refuse an old schema."""
    from brickwork.platform import migrate

    engine = make_engine(settings.database_url)
    if migrate_first:
        migrate.upgrade(engine)
    elif not migrate.is_up_to_date(engine):
        engine.dispose()
        raise UsageError(not_migrated)
    return engine
