"""Default work data of SPEC S5/S6/S11 and the seed, created after every migrate (and test flush).

Idempotent: rows that exist (possibly edited by staff) are left alone; a template's tasks
and a matrix's rows are created only when the template or matrix is created.
"""

from __future__ import annotations

from typing import Any

GROUP = ("Channels Team", "channels-team")
PROJECTS = [
    ("Channels", "channels", "The channel team's work: partner certifications, onboarding, reviews."),
    (
        "Partner Communication",
        "partner-communication",
        "Partner Flash editions and other partner communications.",
    ),
]
TEAM_LABELS = [
    "Channel",
    "Channel Ops",
    "Channel Program",
    "Channel Services",
    "Channel Marketing",
    "Channel Distribution",
    "Channel GSI",
    "Internal Channel Enablement",
    "Channel Handbook Needs",
    "QBR",
]
PRIORITY_LABELS = [
    (1, "Urgent and important: home runs"),
    (2, "Important: big bets"),
    (3, "Urgent: small wins"),
    (4, "Small wins when the backlog allows"),
    (5, "Backlog"),
]

# slug, name, kind, project slug, title, body, due_days, shared, assign_to_new_users, tasks
# task: (section, role, title, instructions, due_days, due_basis)
TEMPLATES: list[tuple[Any, ...]] = [
    (
        "partner-certification-award",
        "Partner Certification Award",
        "work_item",
        "channels",
        "Partner Certification Award: {{ partner.legal_name }}{% if certification %} — {{ certification }}{% endif %}",
        "{{ partner.legal_name }} has reached the requirements of "
        "{% if certification %}**{{ certification }}**{% else %}a partner certification{% endif %}.\n\n"
        "DRI: the partner's CAM. The CAM and the Partner Help Desk each have tasks below; "
        "when all are done, close this item to award the certification.\n",
        None,
        False,
        False,
        [
            (
                "CAM tasks",
                "cam",
                "Send the award e-mail to the partner's main contact",
                "Congratulate the partner, include the download link of the badge graphic, offer help with a "
                "press release and link the social-media kit.",
                7,
                "calendar",
            ),
            (
                "CAM tasks",
                "cam",
                "If the partner wants a press release, open the press-release request",
                "",
                7,
                "calendar",
            ),
            (
                "Partner Help Desk tasks",
                "help_desk",
                "Record the certification on the partner and show its badge in the partner locator",
                "",
                7,
                "calendar",
            ),
            (
                "Partner Help Desk tasks",
                "help_desk",
                "First services certification only: give the partner's admin access to the service-partner "
                "community space",
                "",
                7,
                "calendar",
            ),
        ],
    ),
    (
        "certified-training-partner-onboarding",
        "Certified Training Partner onboarding",
        "work_item",
        "channels",
        "Certified Training Partner requirements: {{ partner.legal_name }}",
        "Requirements tracking for {{ partner.legal_name }} to become a Certified Training Partner. "
        "Every section must be done within 6 months of opening this item, after which the attempt lapses. "
        "Trainer candidates enrol through their own items. Education Services closes this item and awards "
        "the certification.\n",
        183,
        True,
        False,
        [
            (
                "Program entry requirements",
                "partner_admin",
                "Business plan with certification targets (slide 19) on file",
                "",
                30,
                "calendar",
            ),
            (
                "Program entry requirements",
                "cam",
                "Confirm the partner is compliant with the channel program",
                "",
                14,
                "calendar",
            ),
            (
                "Certified-trainer candidates",
                "partner_admin",
                "Name the trainer candidates (each enrols through their own item)",
                "",
                30,
                "calendar",
            ),
            (
                "Competency requirements",
                "education_services",
                "Confirm the candidates' competency requirements are met",
                "",
                150,
                "calendar",
            ),
            (
                "Compliance requirements and MBO goals",
                "partner_admin",
                "Agree the compliance requirements and MBO goals",
                "",
                60,
                "calendar",
            ),
            (
                "Legal and operational requirements",
                "partner_admin",
                "Accept the Training Partner Addendum",
                "",
                60,
                "calendar",
            ),
            (
                "Legal and operational requirements",
                "education_services",
                "Set up the delivery of course materials",
                "",
                150,
                "calendar",
            ),
        ],
    ),
    (
        "partner-flash-edition",
        "Partner Flash edition",
        "work_item",
        "partner-communication",
        "Partner Flash: {{ edition|default:'edition' }}",
        "Prepare the monthly Partner Flash.\n\nSections: Featured; Enablement extras; New and noteworthy "
        "resources; Partner deal of the month; What's new in the product.\n",
        None,
        False,
        False,
        [
            (
                "Content",
                "channel_marketing",
                "Collect the sections' content from contributors",
                "",
                10,
                "calendar",
            ),
            (
                "Review",
                "channel_marketing",
                "Send the test e-mail to reviewers (at most two business days before the send)",
                "",
                12,
                "calendar",
            ),
            (
                "Send",
                "channel_marketing",
                "Send the edition and post the reminder to the internal chat channels",
                "",
                14,
                "calendar",
            ),
            (
                "Results",
                "channel_marketing",
                "On the Friday after: write the edition's figures here and close the item",
                "",
                21,
                "calendar",
            ),
        ],
    ),
    (
        "partner-onboarding",
        "Partner onboarding",
        "journey",
        "channels",
        "Welcome to the partner program{% if person %}, {{ person.get_short_name }}{% endif %}",
        "Your first steps in the partner portal. Tick each task when it is done; your channel account "
        "manager sees your progress.\n",
        30,
        True,
        True,
        [
            (
                "Getting started",
                "partner_user",
                "Complete your profile and sign in to the portal",
                "",
                7,
                "calendar",
            ),
            (
                "Getting started",
                "partner_user",
                "Read and (admins) accept the partner agreements",
                "",
                7,
                "calendar",
            ),
            ("Enablement", "partner_user", "Start the sales or technical training path", "", 14, "calendar"),
        ],
    ),
]

# Template tasks the data answers: they tick themselves (work/auto_tasks.py). Tasks about features the
# product lacks (deal registration) are not shipped until the feature exists.
COMPLETES_WHEN = {
    ("partner-onboarding", "Complete your profile and sign in to the portal"): "invitation_accepted",
    ("partner-onboarding", "Read and (admins) accept the partner agreements"): "agreements_accepted",
}

# RACI matrices exactly as the seed's tables: (section, deliverable, channel letters, other team letters).
PS_MATRIX = [
    (
        "",
        "Onboarding process creation including how to engage with GL (contracts, accounting, collaboration/communication)",
        "A,R",
        "C,I",
    ),
    ("", "Partner onboarding", "A, R", "C"),
    ("", "Rate cards", "C", "A, R"),
    ("", "Billing and invoice management for a specific project", "I", "A,R"),
    ("", "Coordinate delivery with a partner for a specific customer", "R,A,C,I", ""),
    ("", "MSA terms for subcontracting arrangement", "R,I", "A,C"),
    ("", "Partner SOW for project engagement", "A,R", ""),
    ("", "Subcontracting process (SOW, invoicing, etc.)", "C,I", "A,R"),
    ("", "“Bench” Relationship Management (FY22)", "C,I", "A,R"),
    ("", "Vetting process for partners", "R (prelim vetting)", "A, R"),
]
ES_MATRIX = [
    (
        "",
        "Onboarding process creation including how to engage with GL (contracts, accounting, collaboration/communication)",
        "R, A",
        "C, I",
    ),
    ("", "Partner onboarding: GitLab Partner Program", "R, A", "C"),
    ("", "Learning partner and/or trainer onboarding: CTP/subcontract list", "I", "R, A"),
    ("", "Rate cards (PS/EdS offerings)", "C", "R, A"),
    ("", "Course Content Price", "C", "R, A"),
    ("", "Billing and invoice management for a specific project", "I", "R, A"),
    ("", "Coordinate delivery with a partner for a specific customer", "R, A, C, I", ""),
    ("", "MSA terms for subcontracting arrangement", "C, I", "R, A"),
    ("", "Partner SOW for project engagement", "A, R", ""),
    ("", "Subcontracting process definition (SOW, invoicing, etc.)", "C, I", "A, R"),
    ("", "“Bench” Relationship Management (FY22)", "C, I", "R, A"),
    ("", "Vetting process for partners", "R (prelim vetting)", "A, R"),
    (
        "Managing monthly reporting for Channel Excellence",
        "Certified Subcontractor Performance ratings",
        "A, C",
        "R",
    ),
    ("Managing monthly reporting for Channel Excellence", "Collecting Monthly Metrics", "A, R", ""),
    ("Managing monthly reporting for Channel Excellence", "Managing monthly billing", "I", "A, R"),
]
MATRICES = [
    (
        "channel-professional-services",
        "Channel ↔ Professional Services",
        "How the Channel team works with Professional Services when channel partners deliver service "
        "engagements sold on the vendor's paper.",
        "professional_services",
        PS_MATRIX,
    ),
    (
        "channel-education-services",
        "Channel ↔ Education Services",
        "How the Channel team works with Education Services Delivery when channel partners deliver service "
        "engagements sold on the vendor's paper.",
        "education_services",
        ES_MATRIX,
    ),
]


# Default workflows (S4): (name, trigger, action, team kind). Created once: a default that staff
# renamed or deleted (its name is in the workflow history) is not created again. "Assign the
# onboarding journey to new partner users" needs no workflow: journeys marked "assign to every new
# partner user" are assigned by ``partner_hooks._assign_default_journeys``.
WORKFLOWS = [
    ("Notify the channel team of a new partner", "partner_created", "notify_team", "channel"),
]


def letters_of(cell: str) -> str:
    """ "A, R" / "R,A,C,I" / "R (prelim vetting)" → the letters in R, A, C, I order ("RA", "RACI", "R")."""
    import re

    found = set(re.findall(r"\b([RACI])\b", re.sub(r"\(.*?\)", "", cell)))
    return "".join(x for x in "RACI" if x in found)


def note_of(cell: str) -> str:
    """The remark in brackets: "R (prelim vetting)" → "prelim vetting"."""
    import re

    m = re.search(r"\((.*?)\)", cell)
    return m.group(1).strip() if m else ""


# The shipped journeys' German versions (docs/i18n.md, "Content that is data"): the template's title
# and body, and each task's section, title and instructions by its English title. Added to an
# installation whose rows have no version in that language yet; staff's own versions stay.
TRANSLATIONS: dict[str, dict[str, Any]] = {
    "partner-onboarding": {
        "de": {
            "title": "Willkommen im Partnerprogramm{% if person %}, {{ person.get_short_name }}{% endif %}",
            "body": "Ihre ersten Schritte im Partnerportal. Haken Sie jede Aufgabe ab, sobald sie erledigt "
            "ist; Ihr Channel Account Manager sieht Ihren Fortschritt.\n",
            "tasks": {
                "Complete your profile and sign in to the portal": {
                    "section": "Erste Schritte",
                    "title": "Vervollständigen Sie Ihr Profil und melden Sie sich im Portal an",
                    "instructions": "",
                },
                "Read and (admins) accept the partner agreements": {
                    "section": "Erste Schritte",
                    "title": "Lesen Sie die Partnerverträge und nehmen Sie sie (als Administrator) an",
                    "instructions": "",
                },
                "Start the sales or technical training path": {
                    "section": "Enablement",
                    "title": "Beginnen Sie den Vertriebs- oder Technik-Schulungspfad",
                    "instructions": "",
                },
            },
        }
    },
}


def _ensure_translations(template: Any, db: str) -> None:
    from .models import TemplateTask, WorkTemplate

    shipped = TRANSLATIONS.get(template.slug, {})
    missing = {code: v for code, v in shipped.items() if code not in (template.translations or {})}
    if not missing:
        return
    translations = dict(template.translations or {})
    translations.update({code: {"title": v["title"], "body": v["body"]} for code, v in missing.items()})
    WorkTemplate.objects.using(db).filter(pk=template.pk).update(translations=translations)
    for task in TemplateTask.objects.using(db).filter(template=template):
        own = dict(task.translations or {})
        added = {
            code: v["tasks"][task.title]
            for code, v in missing.items()
            if task.title in v["tasks"] and code not in own
        }
        if added:
            own.update(added)
            TemplateTask.objects.using(db).filter(pk=task.pk).update(translations=own)


def ensure_defaults(sender: Any = None, using: str = "default", **kwargs: Any) -> None:
    from channelops.accounts.models import StaffTeam, TeamKind
    from channelops.accounts.roles import ensure_staff_teams

    from .models import (
        Deliverable,
        Label,
        LabelKind,
        Project,
        RaciCell,
        RaciColumn,
        RaciMatrix,
        TemplateTask,
        WorkGroup,
        WorkTemplate,
    )

    db = using
    group, _ = WorkGroup.objects.using(db).get_or_create(slug=GROUP[1], defaults={"name": GROUP[0]})
    projects = {}
    for name, slug, desc in PROJECTS:
        projects[slug], _ = Project.objects.using(db).get_or_create(
            slug=slug, defaults={"name": name, "group": group, "description": desc}
        )
    for name in TEAM_LABELS:
        Label.objects.using(db).get_or_create(name=name, defaults={"kind": LabelKind.TEAM})
    for weight, desc in PRIORITY_LABELS:
        Label.objects.using(db).get_or_create(
            name=f"Priority::{weight}",
            defaults={"kind": LabelKind.PRIORITY, "weight": weight, "description": desc},
        )
    for slug, name, kind, project, title, body, due_days, shared, new_users, tasks in TEMPLATES:
        template, created = WorkTemplate.objects.using(db).get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": kind,
                "project": projects[project],
                "title": title,
                "body": body,
                "due_days": due_days,
                "shared_with_partner": shared,
                "assign_to_new_users": new_users,
            },
        )
        if created:
            TemplateTask.objects.using(db).bulk_create(
                TemplateTask(
                    template=template,
                    section=section,
                    role=role,
                    title=task_title,
                    instructions=instructions,
                    due_days=days,
                    due_basis=basis,
                    position=i,
                    completes_when=COMPLETES_WHEN.get((slug, task_title), ""),
                )
                for i, (section, role, task_title, instructions, days, basis) in enumerate(tasks)
            )
        _ensure_translations(template, db)
    ensure_staff_teams(db)
    channel = StaffTeam.objects.using(db).filter(kind=TeamKind.CHANNEL).first()
    _ensure_workflows(db)
    for slug, name, desc, other_kind, rows in MATRICES:
        other = StaffTeam.objects.using(db).filter(kind=other_kind).first()
        if channel is None or other is None:
            continue
        matrix, created = RaciMatrix.objects.using(db).get_or_create(
            slug=slug, defaults={"name": name, "description": desc}
        )
        if not created:
            continue
        RaciColumn.objects.using(db).create(matrix=matrix, team=channel, position=0)
        RaciColumn.objects.using(db).create(matrix=matrix, team=other, position=1)
        for i, (section, deliverable, ch, ot) in enumerate(rows):
            d = Deliverable.objects.using(db).create(
                matrix=matrix, section=section, name=deliverable, position=i
            )
            for team, cell in ((channel, ch), (other, ot)):
                RaciCell.objects.using(db).create(
                    deliverable=d, team=team, letters=letters_of(cell), note=note_of(cell)
                )


def _ensure_workflows(db: str) -> None:
    from channelops.accounts.models import StaffTeam

    from .models import Workflow

    for position, (name, trigger, action, team_kind) in enumerate(WORKFLOWS):
        if Workflow.history.using(db).filter(name=name).exists():
            continue
        Workflow.objects.using(db).create(
            name=name,
            trigger=trigger,
            action=action,
            team=StaffTeam.objects.using(db).filter(kind=team_kind).first(),
            position=position,
        )
