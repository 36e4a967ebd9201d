"""An amendment's diff names what changed, keyed by the items' own ids."""

from __future__ import annotations

from radtrial.protocol import Change, diff_protocols, parse_protocol


def test_identical_versions_have_no_changes(pallsoft_text: str) -> None:
    protocol = parse_protocol(pallsoft_text)
    assert diff_protocols(protocol, protocol) == []


def test_a_changed_dose_is_named_by_arm_and_dose_level(prosarc2_text: str) -> None:
    old = parse_protocol(prosarc2_text)
    amended = prosarc2_text.replace('label = "0.1-registry"', 'label = "1.1"').replace(
        "total_dose_gy = 80.0\ndose_per_fraction_gy = 5.0",
        "total_dose_gy = 76.8\ndose_per_fraction_gy = 4.8",
    )
    new = parse_protocol(amended)
    changes = diff_protocols(old, new)
    assert Change("changed", "protocol.label", "0.1-registry", "1.1") in changes
    assert (
        Change("changed", "arms[A].prescription.dose_levels[boost].total_dose_gy", 80.0, 76.8)
        in changes
    )
    assert (
        Change("changed", "arms[A].prescription.dose_levels[boost].dose_per_fraction_gy", 5.0, 4.8)
        in changes
    )
    assert len(changes) == 3


def test_added_and_removed_criteria_are_named_by_id(pallsoft_text: str) -> None:
    old = parse_protocol(pallsoft_text)
    start = pallsoft_text.index('[[eligibility.exclusion]]\nid = "E7"')
    end = pallsoft_text.index("[consent]")
    new_criterion = (
        '[[eligibility.exclusion]]\nid = "E8"\ntext = "Prior pelvic radiotherapy"\n'
        'rule = { kind = "confirm", prompt = "No prior pelvic radiotherapy." }\n\n'
    )
    new = parse_protocol(pallsoft_text[:start] + new_criterion + pallsoft_text[end:])
    changes = diff_protocols(old, new)
    kinds = {(c.kind, c.path) for c in changes}
    assert kinds == {
        ("removed", "eligibility.exclusion[E7]"),
        ("added", "eligibility.exclusion[E8]"),
    }


def test_reordering_keyed_items_is_not_a_change(pallsoft_text: str) -> None:
    old = parse_protocol(pallsoft_text)
    first = pallsoft_text.index("[[sites]]")
    second = pallsoft_text.index("[[sites]]", first + 1)
    third = pallsoft_text.index("[[sites]]", second + 1)
    swapped = (
        pallsoft_text[:first]
        + pallsoft_text[second:third]
        + pallsoft_text[first:second]
        + pallsoft_text[third:]
    )
    new = parse_protocol(swapped)
    assert diff_protocols(old, new) == []
    assert old.content_hash() != new.content_hash()  # order is content: the file changed
