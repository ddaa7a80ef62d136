"""The application layer: each use case once, for the command line and the web alike.

A use case takes the authenticated principal and typed inputs, checks its action against the
one action table (:mod:`fairfollow.accounts.actions`), does its work through the core, and
returns a typed outcome. A CLI command or a web route parses, makes that one call, renders.
"""
