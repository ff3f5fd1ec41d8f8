"""The report engine: reports and dashboards over the form engine's record tables, each
report one SQL statement run by the database under the viewer's grants. See docs/reports.md."""
