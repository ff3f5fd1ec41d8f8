"""Alembic environment. Run through ``brickwork db upgrade`` (``platform.migrate``), which
hands over a live connection; SQLite migrates in batch mode."""

from alembic import context

from brickwork.platform.migrate import platform_names, platform_only
from brickwork.platform.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_object=platform_only,
    include_name=platform_names,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
