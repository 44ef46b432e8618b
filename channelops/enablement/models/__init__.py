"""Enablement (S6): the certification catalog and practitioner records (catalog.py), partner
certifications and their award workflow, training-partner invitations (awards.py), enablement
and business plans (plans.py). Each module's models are re-exported here."""

from .awards import (
    Admission,
    CertState,
    PartnerCertification,
    PartnerCertificationRequirement,
    PartnerCertificationStatus,
)
from .catalog import Certification, PractitionerRecord, PractitionerRecordQuerySet, RecordSource
from .imports import ImportMode, ImportRun, ImportStatus
from .plans import BusinessPlan, BusinessPlanState, BusinessPlanTarget, EnablementPlanEntry

__all__ = [
    "Admission",
    "CertState",
    "PartnerCertification",
    "PartnerCertificationRequirement",
    "PartnerCertificationStatus",
    "ImportMode",
    "ImportRun",
    "ImportStatus",
    "BusinessPlan",
    "BusinessPlanState",
    "BusinessPlanTarget",
    "EnablementPlanEntry",
    "Certification",
    "PractitionerRecord",
    "PractitionerRecordQuerySet",
    "RecordSource",
]
