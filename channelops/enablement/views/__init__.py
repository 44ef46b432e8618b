"""Portal and console pages of the enablement app, one module per sub-domain (see ``urls.py``):
:mod:`.records` (catalog, practitioner records, imports, the learning webhook), :mod:`.awards`
(partner certifications) and :mod:`.plans` (enablement and business plans)."""
