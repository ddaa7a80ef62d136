"""FairFollow: a hiring-data platform that releases only consented, aggregate forecasts."""

__version__ = "0.1.0"
