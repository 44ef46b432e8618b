"""The project's own exceptions.

Services raise :class:`NotAllowed` when the acting person may not do something. It is a
Django ``PermissionDenied``, so a page answers it with a 403 and the API with a 403 JSON body
without any extra handling. Python's ``NotAllowed`` is *not* used for this: the operating
system raises it for unreadable files (a key directory, an upload folder), and such a failure is a
server error (500) whose message — a path on the server — must never reach the person.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


class NotAllowed(PermissionDenied):
    """The acting person may not do this; the message (translated) says why."""
