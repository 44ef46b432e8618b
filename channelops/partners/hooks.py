"""The partners app's hooks (``channelops.core.hooks``): called by its services inside their
transaction; apps above partners register functions on them in their ``AppConfig.ready``."""

from __future__ import annotations

from channelops.core.hooks import Hook

#: An application entered the queue (verified, or registered by staff: ``new=True``) or was
#: decided (``new=False``). The notification rules register here.
application_changed = Hook("application_changed", "application, by, new")

# Called inside the partner services' transaction, so the registered functions' writes (the work
# app's default journeys and workflows) commit or roll back with the change.
#: A partner was created (``partner``, ``by``).
partner_created = Hook("partner_created", "partner, by")
#: A partner's fields changed (``fields``: the names of the changed fields).
partner_changed = Hook("partner_changed", "partner, by, fields")
#: A person joined a partner (``membership``).
partner_person_added = Hook("partner_person_added", "membership, by")
#: A partner person's membership changed (``fields``, e.g. ``["is_active"]``).
partner_person_changed = Hook("partner_person_changed", "membership, by, fields")
