"""The release door: rule decision, differential-privacy figures, budgets."""
