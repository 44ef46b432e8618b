"""Where a partner's request stands (issue 14): its state, who holds it now and the expected next step.

Each request kind has a function in its own app (``licensing/standing.py``, ``agreements/standing.py``,
``enablement/standing.py``) returning a :class:`Standing`; the portal page shows it with
``{% include "core/components/standing.html" with standing=standing %}``. Every state names a next
step; when it is the partner's turn, ``action_url`` is the page or form that takes it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Standing:
    state: str
    holder: str
    next_step: str
    #: The partner's turn (the card is highlighted, the action shown).
    yours: bool = False
    action_label: str = ""
    action_url: str = ""
    #: A closed request: nothing more happens (the card says so quietly).
    closed: bool = False
    #: The card's heading when the page holds more than the request ("Where it stands" otherwise).
    title: str = ""
