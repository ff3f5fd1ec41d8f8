"""Every connector of the installation, imported in one place so their entries, rule
actions and tasks are registered (the top floor imports this through brickwork/kinds.py)."""

from brickwork.connectors import delivery  # noqa: F401  (the delivery task)

__all__: list[str] = []
