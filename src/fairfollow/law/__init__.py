"""Legal rules as data: rules, checks, packs, DPIA questions, prohibited items (pure)."""
