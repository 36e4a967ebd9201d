"""Adverse events graded by the NCI Common Terminology Criteria for Adverse Events (CTCAE).

* :mod:`.terms`: versions ("5.0", "6.0"), grades 1–5 and their generic meanings, system organ
  classes, and the term table with the grades each term has;
* :mod:`.events`: the :class:`AdverseEvent` value object, attribution to radiotherapy,
  reporting categories (bowel, bladder) and maximum grades;
* :mod:`.seriousness` and :mod:`.reporting`: SAE criteria and expedited-report due times.
"""

from radtrial.clinical.ctcae.events import (
    AdverseEvent,
    Attribution,
    EventCategory,
    MaxGrade,
    categories_from_protocol,
    max_grade,
    max_grade_by_category,
    max_grade_by_soc,
    max_grade_per_participant,
)
from radtrial.clinical.ctcae.reporting import ExpeditedReport, ReportingRule, expedited_reports
from radtrial.clinical.ctcae.seriousness import Seriousness, SeriousnessCriterion
from radtrial.clinical.ctcae.terms import (
    CTCAE_VERSIONS,
    GRADE_MEANINGS,
    CtcaeTerm,
    CtcaeVersion,
    Grade,
    Soc,
    TermTable,
    parse_ctcae_version,
    parse_grade,
    term_table,
)

__all__ = [
    "CTCAE_VERSIONS",
    "GRADE_MEANINGS",
    "AdverseEvent",
    "Attribution",
    "CtcaeTerm",
    "CtcaeVersion",
    "EventCategory",
    "ExpeditedReport",
    "Grade",
    "MaxGrade",
    "ReportingRule",
    "Seriousness",
    "SeriousnessCriterion",
    "Soc",
    "TermTable",
    "categories_from_protocol",
    "expedited_reports",
    "max_grade",
    "max_grade_by_category",
    "max_grade_by_soc",
    "max_grade_per_participant",
    "parse_ctcae_version",
    "parse_grade",
    "term_table",
]
