"""Practitioner badges: Open Badges 3.0 credentials (S6)."""
