"""The work app's hooks (``channelops.core.hooks``), called by its services inside their transaction.

``work_item_changed``: a work item was created (``new=True``) or changed; keyword arguments
``item``, ``by`` (the acting person or None) and ``new``. Registered today, in this order: the
GitLab mirror (``gitlab_mirror.py``), the partner-certification award on closing an award or
onboarding item (``channelops.enablement.services.awards``; raising ``ValidationError`` refuses the close)
and the notification rules (``channelops.notifications``).
"""

from __future__ import annotations

from channelops.core.hooks import Hook

work_item_changed = Hook("work_item_changed", "item, by, new")
