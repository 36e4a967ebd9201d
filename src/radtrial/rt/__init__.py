"""Pure radiotherapy: LQ dose accounting, the treatment calendar, the delivery ledger,
deviations and gap compensation.

* :mod:`radtrial.rt.lq`: BED, EQD2, the overall-time correction, schedule comparison;
* :mod:`radtrial.rt.calendar`: planned fraction dates, Norwegian holidays, rescheduling;
* :mod:`radtrial.rt.ledger`: delivered, missed and cancelled fractions; dose to date;
* :mod:`radtrial.rt.deviations`: protocol deviations graded minor or major;
* :mod:`radtrial.rt.gaps`: options to compensate missed fractions.
"""
