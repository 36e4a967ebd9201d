"""Pure clinical scales: no clock, no environment, no files.

* :mod:`.recist`: RECIST 1.1 tumour response, nadir, local and distant progression;
* :mod:`.ctcae`: adverse events graded by CTCAE v5.0/v6.0, SAE criteria, expedited reports;
* :mod:`.ecog`: ECOG performance status;
* :mod:`.instruments`: target-symptom NRS and global impression, responder status, EORTC
  QLQ-C30 and QLQ-C15-PAL scoring (items by number; no EORTC item texts);
* :mod:`.national_id`: Norwegian identity numbers.

Every entry check raises :class:`radtrial.errors.InvalidInput` located at the field, with a
stable ``detail["reason"]``. Decisions and doubts: docs/decisions/0040-clinical-scales.md.
"""
