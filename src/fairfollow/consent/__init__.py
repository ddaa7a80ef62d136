"""The consent ledger: policy versions, screens, validity, coverage, receipts."""
