"""Sentences for people: the message catalogue, Japanese first, English second.

The core raises errors and returns refusals as stable codes with parameters; only the two
adapters (``cli/`` and ``web/``) turn them into sentences, through this package.
"""
