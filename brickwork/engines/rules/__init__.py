"""The rules engine: a trigger, a condition in the expression language, ordered actions
(docs/rules.md, docs/decisions/0023-rules-engine.md). Importing ``kind`` registers the
engine's event subscriber and tasks with the jobs floor."""
