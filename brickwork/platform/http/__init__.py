"""HTTP plumbing shared by every router: problems, CSRF, locale, auth, the database."""
