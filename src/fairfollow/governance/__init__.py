"""Data services: registry, review with veto, employer intake, provision records."""
