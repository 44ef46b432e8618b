"""URL patterns of one part of partner communications (public, portal and console), filled by that part."""

public_patterns: list = []
portal_patterns: list = []
console_patterns: list = []
