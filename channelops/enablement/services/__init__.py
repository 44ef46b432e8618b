"""Every write of the enablement app, one module or package per sub-domain (DESIGN.md: a room past
~500 lines becomes a package):

- :mod:`.records` (package) — the certification catalog and practitioner records (submit, import, webhook);
- :mod:`.importing` — reading uploaded files and running practitioner imports;
- :mod:`.awards` (package) — partner certifications and the award workflow;
- :mod:`.training_partners` — Certified Training Partners (trainer candidates, invitations);
- :mod:`.plans` (package) — enablement plans and business plans.

Import the function from its module, or from the package for the three packages, whose
``__init__`` re-exports their public names (``from channelops.enablement.services.plans import
business_plan_submit``); inside a package its modules import each other. The sub-domains link through
``enablement.hooks``, not through this package.
"""
