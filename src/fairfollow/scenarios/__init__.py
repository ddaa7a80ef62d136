"""End-to-end scenarios: the 2019 replay and the consent demo."""
