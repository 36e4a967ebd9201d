"""Use cases for clinical outcomes and the biobank (issue 6), one module per noun.

* :mod:`.pro`: the target-symptom NRS and global impression, questionnaires, responder status;
* :mod:`.adverse_events`: CTCAE adverse events, expedited-report flags, maximum grades, and
  toxicity assessed per visit and category ("assessed, none" is grade 0, "not assessed" missing);
* :mod:`.ecog`: ECOG performance status;
* :mod:`.tumour`: RECIST baselines and follow-ups, local and distant progression;
* :mod:`.events`: progression, death, off study, vital status;
* :mod:`.biobank`: samples, aliquots, storage positions, flags, destruction, custody;
  :mod:`.shipments`: shipping and receipt; :mod:`.biobank_views`: a site's samples and shipments;
* :mod:`.corrections` (adverse events) and :mod:`.recist_corrections`: corrections of entered
  records, voiding the signatures of what changed;
* :mod:`.visits`: schedules, visits due per site, missed visits;
* :mod:`.endpoints`: OS/PFS/LPFS time-to-event data and responder status.

Every entry is validated by the pure core and written in one audited unit of work, with the
protocol version in force; on any error nothing is written. Decisions:
docs/decisions/0041-outcome-storage.md.
"""
