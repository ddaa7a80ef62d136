"""`python -m fairfollow` runs the CLI."""

from fairfollow.cli import main

main()
