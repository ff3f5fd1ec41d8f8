"""What connectors need of the installation's settings where they run (web process or
worker): the data folder (attachments), the HTTP allow-list, and the key that seals secrets.
``configure`` is called at start by the top floor; a process that did not call it reads the
settings from the environment."""

from __future__ import annotations

from pathlib import Path

from brickwork.platform import secretbox
from brickwork.platform.settings import Settings

_settings: Settings | None = None


def configure(settings: Settings) -> None:
    global _settings
    _settings = settings
    secretbox.configure(settings.secret_key)


def settings() -> Settings:
    if _settings is None:
        from brickwork.platform.settings import load_settings

        configure(load_settings())
    assert _settings is not None
    return _settings


def data_dir() -> Path:
    return Path(settings().data_dir)
