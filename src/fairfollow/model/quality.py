"""The goals the model's quality figures are marked against, stated once for every page and
command that shows them (the analysts' commands and the privacy officer's oversight page).

A probability is trusted as a probability only if the model is calibrated: its expected
calibration error at most :data:`ECE_GOAL`. A forecast interval is honest if its realised
coverage over past pools lies within :data:`COVERAGE_TOLERANCE` of its nominal level.
"""

from __future__ import annotations

ECE_GOAL = 0.05  # expected calibration error of the model's probabilities, at most
COVERAGE_TOLERANCE = 0.05  # an interval's realised coverage within ±5 points of its level


def ece_met(ece: float) -> bool:
    """Whether an expected calibration error meets the goal."""
    return ece <= ECE_GOAL


def coverage_met(coverage: float, level: float) -> bool:
    """Whether an interval's realised coverage is within the tolerance of its level."""
    return abs(coverage - level) <= COVERAGE_TOLERANCE
