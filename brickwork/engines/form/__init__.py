"""The form engine: form definitions, field types, record storage, the records API."""
