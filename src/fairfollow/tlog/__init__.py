"""The transparency log: RFC 6962 Merkle tree, signed checkpoints, receipts, audit."""
