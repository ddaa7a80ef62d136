"""`python -m fairfollow` runs the CLI."""

from fairfollow.cli.app import main

main()
