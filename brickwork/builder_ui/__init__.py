"""Pages for builders and users: Jinja2 templates, static CSS and JS."""
