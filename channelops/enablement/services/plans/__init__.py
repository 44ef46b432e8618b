"""Enablement plans and business plans (S6): services (writes) and reads.

Public entry points used by other modules:

* :func:`business_plan_on_file` — True when the partner has a submitted or accepted, current
  business plan (a partner-certification requirement).
* :func:`business_plan_required` — True when the business plan is required for the partner
  (a Certified Training Partner invitee), not only suggested.

Writes are keyword-only, atomic and take ``by=`` the acting person. Validation errors are
``ValidationError`` with a message per field; a failed write changes nothing.

The package's modules (import the public names from the package, ``from
channelops.enablement.services.plans import business_plan_submit``; the modules import each other):

- :mod:`.access` — who may edit, view and review; business plan on file / required;
- :mod:`.entries` — the enablement plan's rows (writes) and their progress (reads);
- :mod:`.charts` — targets vs people certified now;
- :mod:`.business` — the business plan: save, submit, accept, return, versions;
- :mod:`.overview` — the console list's rows.
"""

from __future__ import annotations

from .access import (
    REVIEW_PERM,
    VIEW_ENTRIES_PERM,
    VIEW_PERM,
    business_plan_on_file,
    business_plan_required,
    current_business_plans,
    may_edit_plans,
    may_review,
    may_view_plans,
    register_business_plan_requirement,
)
from .business import (
    MAX_TARGET_PEOPLE,
    SECTION_FIELDS,
    business_plan_accept,
    business_plan_return,
    business_plan_save,
    business_plan_submit,
    business_plan_versions,
    current_plan,
    next_version_number,
)
from .charts import (
    Bar,
    Chart,
    business_plan_chart,
    enablement_chart,
    make_chart,
)
from .entries import (
    EntryProgress,
    certified_counts,
    certified_people,
    enablement_plan_entry_add,
    enablement_plan_entry_remove,
    enablement_plan_entry_update,
    enablement_plan_replace,
    enablement_progress,
)
from .overview import (
    PartnerPlanRow,
    partners_with_plans,
    plan_rows,
)

__all__ = [
    "VIEW_PERM",
    "VIEW_ENTRIES_PERM",
    "REVIEW_PERM",
    "may_edit_plans",
    "may_view_plans",
    "may_review",
    "business_plan_on_file",
    "register_business_plan_requirement",
    "business_plan_required",
    "current_business_plans",
    "enablement_plan_entry_add",
    "enablement_plan_entry_update",
    "enablement_plan_entry_remove",
    "enablement_plan_replace",
    "EntryProgress",
    "certified_people",
    "certified_counts",
    "enablement_progress",
    "Bar",
    "Chart",
    "make_chart",
    "enablement_chart",
    "business_plan_chart",
    "SECTION_FIELDS",
    "MAX_TARGET_PEOPLE",
    "business_plan_save",
    "business_plan_submit",
    "business_plan_accept",
    "business_plan_return",
    "business_plan_versions",
    "current_plan",
    "next_version_number",
    "PartnerPlanRow",
    "partners_with_plans",
    "plan_rows",
]
