"""Versioned JSON definitions: the pydantic building blocks, the store, diffs, schemas."""
