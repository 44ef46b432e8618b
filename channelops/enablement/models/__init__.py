"""Enablement (S6): the certification catalog and practitioner records (catalog.py), partner
certifications and their award workflow, training-partner invitations (awards.py), enablement
and business plans (plans.py). Each module's models are re-exported here."""

from .catalog import Certification, PractitionerRecord, PractitionerRecordQuerySet, RecordSource

__all__ = ["Certification", "PractitionerRecord", "PractitionerRecordQuerySet", "RecordSource"]
