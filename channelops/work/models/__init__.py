"""Work (S5): groups, projects, labels, milestones, epics (projects.py), templates (work_templates.py),
work items with tasks and comments (items.py), RACI matrices (raci.py), workflows (workflows.py) and
recurring cadences (S9, cadences.py). Each module's models are re-exported here, so
``from channelops.work.models import WorkItem`` works."""

from .cadences import Cadence, CadenceOverride, HolidayPolicy, Occurrence
from .items import CLOSED_STATUSES, Comment, Task, WorkItem, WorkStatus
from .projects import Epic, Label, LabelKind, Milestone, Project, WorkGroup
from .raci import Deliverable, RaciCell, RaciColumn, RaciMatrix
from .work_templates import CompletesWhen, DueBasis, TaskRole, TemplateKind, TemplateTask, WorkTemplate
from .workflows import Workflow, WorkflowAction, WorkflowTrigger

__all__ = [
    "CLOSED_STATUSES",
    "Cadence",
    "CadenceOverride",
    "Comment",
    "CompletesWhen",
    "Deliverable",
    "DueBasis",
    "Epic",
    "HolidayPolicy",
    "Label",
    "LabelKind",
    "Milestone",
    "Occurrence",
    "Project",
    "RaciCell",
    "RaciColumn",
    "RaciMatrix",
    "Task",
    "TaskRole",
    "TemplateKind",
    "TemplateTask",
    "WorkGroup",
    "WorkItem",
    "WorkStatus",
    "Workflow",
    "WorkflowAction",
    "WorkflowTrigger",
    "WorkTemplate",
]
