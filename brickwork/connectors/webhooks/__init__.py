"""Webhooks out (Standard Webhooks signed, retried for a day, logged, replayable) and the
verification of webhooks in (issue 18). Importing the package registers the delivery
subscriber and task with the jobs floor."""

from brickwork.connectors.webhooks import delivery, incoming  # noqa: F401  (register with the jobs floor, the rules engine)
