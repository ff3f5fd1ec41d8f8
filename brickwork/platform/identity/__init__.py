"""Users, departments, roles; passwords, browser sessions and API tokens."""
