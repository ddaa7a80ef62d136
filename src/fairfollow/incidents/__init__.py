"""Leak incidents: the register, the statutory clock, the PPC report draft (APPI Art. 26)."""
