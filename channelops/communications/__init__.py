"""Partner communications (SPEC S11): the monthly Partner Flash and every other mailing to partners.

One machinery serves the Partner Flash editions, the 30-day-notice announcements and one-off
special notices (``Mailing``): an audience built from portal users and confirmed sign-ups minus the
suppression list (``Recipient`` rows, one per address and mailing), sent in batches over reused SMTP
connections, tracked per recipient (``Event``), with reader feedback and a public archive. Webcast
sessions and portal notices live here too. docs/communications.md is the reference.
"""
