"""Signals of the enablement app (sent inside the writing service's transaction).

``practitioner_records_changed``: practitioner records were created or changed (an import, an
API call, a webhook delivery, an edit). Keyword arguments: ``partner_ids`` (set of int),
``record_ids`` (list of int: the records created or changed) and ``by`` (the user, or None for a
webhook). Receivers: the partner-certification re-evaluation (awards.py) and badge issuance
(channelops.badges). Receivers run in the sender's transaction; heavy work (signing many badges)
goes to the outbox or a task.
"""

from django.dispatch import Signal

practitioner_records_changed = Signal()
