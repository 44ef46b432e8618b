"""Every write of the enablement app, one module per sub-domain (DESIGN.md: a room past ~500 lines
becomes a package):

- :mod:`.records` — the certification catalog and practitioner records (submit, import, webhook);
- :mod:`.importing` — reading uploaded files and running practitioner imports;
- :mod:`.awards` — partner certifications and the award workflow;
- :mod:`.training_partners` — Certified Training Partners (trainer candidates, invitations);
- :mod:`.plans` — enablement plans and business plans.

Import the function from its module (``from channelops.enablement.services.plans import
business_plan_submit``); the modules link through ``enablement.hooks``, not through this package.
"""
