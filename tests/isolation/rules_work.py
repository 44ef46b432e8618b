"""Isolation rules of work (channelops/work).

The portal's collaboration space; the console's work items, journeys, RACI matrices and epics.
"""

from __future__ import annotations

from .base import B_LEGAL_NAME, DENIED, OWN, Probe, Rule, get_post

RULES: dict[str, Rule] = {
    # --- work: portal (collaboration space) ---
    # WORK-PORTAL-RULES
    # Partner B's collaboration space (its own items only); partner A's shared and internal items,
    # their tasks and comments: 404 (nothing ticked, nothing commented: see the snapshot).
    "portal:work_items": Rule(OWN, get_post("/portal/work/"), own_page=True),
    "portal:work_item": Rule(
        DENIED,
        lambda w: [
            Probe("GET", f"/portal/work/{w.work_item_a.pk}/"),
            Probe("POST", f"/portal/work/{w.work_item_a.pk}/", {}),
            Probe("GET", f"/portal/work/{w.internal_item_a.pk}/"),
        ],
    ),
    "portal:work_task_toggle": Rule(
        DENIED,
        lambda w: [
            Probe("GET", f"/portal/work/{w.work_item_a.pk}/tasks/{w.task_a.pk}/toggle/"),
            Probe("POST", f"/portal/work/{w.work_item_a.pk}/tasks/{w.task_a.pk}/toggle/", {"done": "1"}),
            Probe("POST", f"/portal/work/{w.internal_item_a.pk}/tasks/{w.task_a.pk}/toggle/", {"done": "1"}),
        ],
    ),
    "portal:work_comment": Rule(
        DENIED,
        lambda w: [
            Probe("GET", f"/portal/work/{w.work_item_a.pk}/comment/"),
            Probe("POST", f"/portal/work/{w.work_item_a.pk}/comment/", {"comment-body": "intrude"}),
            Probe("POST", f"/portal/work/{w.internal_item_a.pk}/comment/", {"comment-body": "intrude"}),
        ],
    ),
    # --- work: console ---
    # WORK-CONSOLE-RULES
    # Staff pages. The POSTs would create an item, edit, tick and comment (the snapshot checks none did).
    "console:my_work": Rule(DENIED, get_post("/console/work/")),
    "console:work_board": Rule(
        DENIED, get_post(lambda w: f"/console/work/board/?partner={w.partner_a.pk}&overdue=1")
    ),
    "console:work_item_new": Rule(
        DENIED,
        lambda w: [
            Probe("GET", f"/console/work/new/?template=partner-onboarding&partner={w.partner_a.pk}"),
            Probe(
                "POST",
                "/console/work/new/",
                {"form": "template", "tpl-template": "partner-onboarding", "tpl-partner": w.partner_a.pk},
            ),
            Probe(
                "POST",
                "/console/work/new/",
                {
                    "form": "item",
                    "project": w.work_item_a.project_id,
                    "title": "Pwned",
                    "dri": w.work_item_a.dri_id,
                    "due_date": "2099-01-01",
                    "partner": w.partner_a.pk,
                },
            ),
        ],
    ),
    "console:work_item": Rule(
        DENIED,
        lambda w: [
            Probe("GET", f"/console/work/{w.work_item_a.pk}/"),
            Probe("GET", f"/console/work/{w.internal_item_a.pk}/"),
            Probe(
                "POST",
                f"/console/work/{w.work_item_a.pk}/",
                {"edit-status": "cancelled", "edit-title": "Pwned", "edit-dri": w.work_item_a.dri_id},
            ),
        ],
    ),
    "console:work_task_toggle": Rule(
        DENIED,
        get_post(lambda w: f"/console/work/{w.work_item_a.pk}/tasks/{w.task_a.pk}/toggle/", {"done": "1"}),
    ),
    "console:work_comment": Rule(
        DENIED, get_post(lambda w: f"/console/work/{w.work_item_a.pk}/comment/", {"comment-body": "intrude"})
    ),
    "console:work_journeys": Rule(
        DENIED, get_post(lambda w: f"/console/work/journeys/?partner={w.partner_a.pk}")
    ),
    # --- RACI: console ---
    # RACI-RULES
    # Staff pages; pk 1 is a shipped matrix / its first deliverable (created by migrate). The POSTs
    # would edit a cell, add a row, and create a work item (the snapshot counts all work items).
    "console:raci_matrices": Rule(DENIED, get_post("/console/raci/")),
    "console:raci_matrix": Rule(
        DENIED,
        lambda w: [
            Probe("GET", "/console/raci/1/"),
            Probe(
                "POST", "/console/raci/1/", {"action": "cell", "deliverable": 1, "team": 1, "letters": "I"}
            ),
            Probe("POST", "/console/raci/1/", {"action": "add", "new-name": f"Pwned by {B_LEGAL_NAME}"}),
        ],
    ),
    "console:raci_route": Rule(
        DENIED,
        get_post("/console/raci/deliverables/1/route/", {"title": "Pwned", "due_date": "2099-01-01"}),
    ),
    # --- epics: console (staff only; the POSTs would create or change them) ---
    "console:work_epics": Rule(DENIED, get_post("/console/work/epics/")),
    "console:work_epic_new": Rule(
        DENIED, get_post("/console/work/epics/new/", {"title": f"Pwned by {B_LEGAL_NAME}", "group": 1})
    ),
    "console:work_epic": Rule(DENIED, get_post("/console/work/epics/1/")),
    "console:work_epic_change": Rule(
        DENIED, get_post("/console/work/epics/1/change/", {"title": f"Pwned by {B_LEGAL_NAME}", "group": 1})
    ),
}
