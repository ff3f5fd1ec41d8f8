"""Print templates to PDF (kind ``print``, issue 18): sandboxed Jinja2 HTML over a record,
rendered by WeasyPrint (docs/decisions/0032-print-to-pdf.md)."""
