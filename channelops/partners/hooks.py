"""The partners app's hooks (``channelops.core.hooks``): called by its services inside their
transaction; apps above partners register functions on them in their ``AppConfig.ready``."""

from __future__ import annotations

from channelops.core.hooks import Hook

#: An application entered the queue (verified, or registered by staff: ``new=True``) or was
#: decided (``new=False``). The notification rules register here.
application_changed = Hook("application_changed", "application, by, new")
