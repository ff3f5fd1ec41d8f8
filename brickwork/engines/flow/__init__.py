"""The flow engine: approval flows over a form's records (engine-semantics §1)."""
