"""Every connector of the installation, imported in one place so their entries, rule
actions, subscribers and tasks are registered (the top floor imports this through
brickwork/kinds.py, so `brickwork worker` knows them as well as the web app)."""

from brickwork.connectors import bots, channels, delivery, mail, webcall, webhooks
from brickwork.connectors.registry import CONNECTORS
from brickwork.engines.rules import actions

PACKAGES = (delivery, mail, bots, webcall, channels, webhooks)

for _entry in CONNECTORS.values():
    for _action in _entry.actions:
        actions.register(_action)
