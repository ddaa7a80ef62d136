"""Features, the offer-decline model, its evaluation, fairness audit and pool forecasts."""
