"""Data-subject rights: requests, disclosure, provision proofs, withdrawal, stop, erasure."""
