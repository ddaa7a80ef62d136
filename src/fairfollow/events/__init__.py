"""The analytics store of site behaviour: DuckDB over Parquet (the only DuckDB package)."""
