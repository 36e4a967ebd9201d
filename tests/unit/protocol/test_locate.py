"""Key paths are mapped back to the lines that define them."""

from __future__ import annotations

from radtrial.protocol.locate import find_line, line_index

DOCUMENT = """\
schema_version = 1  # a comment with [brackets]
[trial]
title = "A title with # and [ inside"
"quoted key" = 1
[[arms]]
code = "A"
[arms.prescription]
modality = "photon"
[[arms.prescription.dose_levels]]
id = "a"
values = [
  "x]",
  "y",
]
after = 2
text = \"\"\"
fake = 3
\"\"\"
[[arms]]
code = "B"
[[arms.prescription.dose_levels]]
id = "b"
"""


def test_tables_keys_and_array_elements_get_their_lines() -> None:
    index = line_index(DOCUMENT)
    assert index[("schema_version",)] == 1
    assert index[("trial", "title")] == 3
    assert index[("trial", "quoted key")] == 4
    assert index[("arms", 0, "prescription", "modality")] == 8
    assert index[("arms", 0, "prescription", "dose_levels", 0, "id")] == 10
    assert index[("arms", 0, "prescription", "dose_levels", 0, "after")] == 15
    assert index[("arms", 1, "code")] == 20
    assert index[("arms", 1, "prescription", "dose_levels", 0, "id")] == 22


def test_lines_inside_arrays_and_multiline_strings_define_no_keys() -> None:
    index = line_index(DOCUMENT)
    assert ("arms", 0, "prescription", "dose_levels", 0, "fake") not in index


def test_an_unknown_path_falls_back_to_its_nearest_known_prefix() -> None:
    index = line_index(DOCUMENT)
    assert find_line(index, ("arms", 1, "prescription", "dose_levels", 0, "missing")) == 21
    assert find_line(index, ("nowhere",)) is None
