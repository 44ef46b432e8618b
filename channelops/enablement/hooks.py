"""The enablement app's hooks (``channelops.core.hooks``), called inside the writing service's
transaction.

``practitioner_records_changed``: practitioner records were created or changed (an import, an
API call, a webhook delivery, an edit). Keyword arguments: ``partner_ids`` (set of int),
``record_ids`` (list of int: the records created or changed) and ``by`` (the user, or None for a
webhook). Registered: the partner-certification re-evaluation (``services/awards/``) and badge issuance
(``channelops.badges``). They run in the caller's transaction; heavy work (signing many badges)
goes to the outbox or a task.
"""

from channelops.core.hooks import Hook

practitioner_records_changed = Hook("practitioner_records_changed", "partner_ids, record_ids, by")
