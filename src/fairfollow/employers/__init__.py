"""Employers' applicant/offer files: parsing, applicant ids, offers, matching."""
