"""The DICOM adapter: RT Structure Set, RT Dose and RT Plan files -> radtrial's value objects.

This package is the only place that imports pydicom. Every problem with a file becomes a
:class:`radtrial.errors.DicomError` naming the file and the attribute.
"""

from radtrial.dicom.dose import read_dose
from radtrial.dicom.plan import read_plan
from radtrial.dicom.structure_set import read_structure_set

__all__ = ["read_dose", "read_plan", "read_structure_set"]
