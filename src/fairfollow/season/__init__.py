"""The season simulator: population, browsing, job hunting, policy history, dirt, export."""
