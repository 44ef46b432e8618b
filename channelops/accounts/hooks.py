"""The accounts app's hooks (``channelops.core.hooks``): called by its services inside their
transaction; apps above accounts register functions on them in their ``AppConfig.ready``."""

from __future__ import annotations

from channelops.core.hooks import Hook

#: A person was created (``user_create``; partner people join their partner afterwards:
#: ``partners.hooks.partner_person_added``). The notification defaults register here.
person_created = Hook("person_created", "user, by")
#: A person's staff flag, superuser flag, roles or direct permissions changed (``fields``: what
#: changed, e.g. ``["groups"]``). The notification defaults register here.
person_access_changed = Hook("person_access_changed", "user, by, fields")
#: A person accepted their invitation: password set, address verified (``invitation_accept``). The work
#: app ticks the journey tasks that wait for it.
invitation_accepted = Hook("invitation_accepted", "user")
