"""What browser tests share beyond the fixtures."""

from __future__ import annotations

import re


def wait_landed(page, path: str, flag: str) -> None:
    """Wait until a redirect has brought the page to ``path`` (a regular expression of the
    address's end) with ``?flag=1``. The record page's script drops the flag from the address
    once it has shown its notice (a reload should not say "Saved" again), and on a loaded
    machine it may do so before the test looks: either address counts as landed."""
    page.wait_for_url(re.compile(rf"{path}(\?{flag}=1)?$"))
