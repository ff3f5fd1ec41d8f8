"""The floors of the form engine, bottom to top: read the engine in this order.

A module imports only from its own floor or the floors below it, never from above, and
no import (not even one inside a function) closes a circle. tests/test_layers.py holds
the engine to this list, and docs/architecture.md ("The form engine's floors") mirrors it.
A new module goes on the floor of what it imports; a package (``fieldtypes``) stands for
all its modules. This module is data only: it imports nothing.
"""

FLOORS: list[tuple[str, tuple[str, ...]]] = [
    # What a builder draws, as data: a field's settings, the field types built on them, the
    # form model with the checks that need only the model and the types.
    ("model", ("floors", "fields", "fieldtypes", "regions", "model")),
    # The expression language over a form: formulas and rollups typed, picker filters, form
    # logic, the row conditions of permissions; the form kind's model that runs them all.
    ("expression checks", ("formulas", "picker_filter", "logic", "checks", "definition")),
    # Record tables and what is stored or computed in them: tables and views, loading a form,
    # conditions as SQL, access, values, sub-form rows, lookups, formulas and rollups kept
    # up to date, the indexes derived from saved views, the publish step that changes the tables.
    ("storage, values and computed fields", (
        "sqlnumbers", "marks", "storage", "forms", "layout", "lookup_fields", "dependencies", "rollups",
        "recompute", "onread", "conditions", "access", "computed_access", "subforms", "values",
        "required_publish", "computed_publish", "duplicate_keys", "derived_indexes", "owners", "schema_change",
        "many_sql")),
    # The one write path and the reads around it: records, links, listing, pickers, views;
    # and the OpenAPI document that describes them (it states the listing's bounds).
    ("record service", (
        "shape", "relations", "outside", "on_delete", "duplicates", "merge", "records", "logic_live",
        "picker_links", "listing", "picker",
        "linked", "related", "saved_views", "display", "menu", "openapi", "fill_links", "suggestions")),
    # Records as files (spreadsheet import and export), and the form kind's entry that puts
    # forms and their views in the platform's app file.
    ("transfer", ("transfer", "kind")),
    # The HTTP routers, the only modules that import FastAPI or Starlette.
    ("http", ("api", "transfer_api", "views_api", "fill_api")),
]
