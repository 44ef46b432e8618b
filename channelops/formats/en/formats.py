"""English as this product writes it: ISO dates (2026-12-31), not the US month/day/year.

Templates show dates with ``|date:"SHORT_DATE_FORMAT"`` / ``"SHORT_DATETIME_FORMAT"``; German
uses Django's own (31.12.2026, 31.12.2026 14:05).
"""

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
# "31 December 2026" (German: "31. Dezember 2026"), for deadlines and dates in sentences.
DATE_FORMAT = "j F Y"
