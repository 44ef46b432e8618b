"""Every write of the work app, one module per sub-domain (DESIGN.md: a room past ~500 lines
becomes a package):

- :mod:`.items` — work items (create, update, status), tasks and comments;
- :mod:`.templates` — work items from templates, and journeys;
- :mod:`.escalation` — the daily escalation of overdue tasks;
- :mod:`.epics` — epics;
- :mod:`.raci` — RACI cells and deliverables, routing work for a deliverable (the reads are in
  ``channelops/work/raci.py``).

Import the function from its module (``from channelops.work.services.items import
work_item_create``).
"""
