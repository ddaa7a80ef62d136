"""The ledger database: engine, column types, transactions, migrations (SQLAlchemy here)."""
