"""The command line: one module per command group; parse, one core call, render."""
