"""CTCAE versions, grades, system organ classes and the term table of the two trials.

Source: NCI Common Terminology Criteria for Adverse Events v5.0 (27 Nov 2017) and v6.0
(22 Jul 2025); DOMAIN.md §5. Terms are MedDRA lowest-level terms grouped by primary system
organ class (SOC); each term has its own grade texts and **not every grade exists for every
term** (nausea has no grade 4 or 5). Only the grades a term has may be recorded.

The bundled table is deliberately small: the terms PALLSOFT (pelvic bowel, bladder and vaginal
toxicity) and PROSARC-2 (skin, soft tissue and limb toxicity of definitive sarcoma RT) expect,
plus general symptoms. Anything else is recorded under the SOC's "Other, specify" term (grades
1–5) with the event named in ``specify``. Term names use CTCAE's own (US) spelling; British
spellings are accepted as aliases ("diarrhoea" → "Diarrhea").

Provenance and doubt (docs/decisions/0040-clinical-scales.md): the allowed grades were
transcribed from the grade columns of the CTCAE v5.0 document, not from NCI's machine-readable
file, which is not in this repository; verify them against it before production. The v6.0
table is **provisional**: it repeats the v5.0 terms and grades until checked against the v6.0
document, and says so in :attr:`TermTable.provisional`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from types import MappingProxyType
from typing import Final, Literal, get_args

from radtrial.clinical._values import invalid, whole_number

__all__ = [
    "CTCAE_VERSIONS",
    "GRADE_MEANINGS",
    "CtcaeTerm",
    "CtcaeVersion",
    "Grade",
    "Soc",
    "TermTable",
    "parse_ctcae_version",
    "parse_grade",
    "term_table",
]

CtcaeVersion = Literal["5.0", "6.0"]
#: The versions an adverse event may be graded with.
CTCAE_VERSIONS: Final[tuple[CtcaeVersion, ...]] = get_args(CtcaeVersion)


class Grade(IntEnum):
    """A CTCAE grade. Grade 0 (no event) is not recorded: an event has grade 1–5."""

    MILD = 1
    MODERATE = 2
    SEVERE = 3
    LIFE_THREATENING = 4
    DEATH = 5

    @property
    def meaning(self) -> str:
        """The generic meaning of the grade (CTCAE v5.0 introduction)."""
        return GRADE_MEANINGS[self]


#: Generic meaning of each grade (CTCAE v5.0 and v6.0 introduction; ";" in a grade text is "or").
GRADE_MEANINGS: Mapping[Grade, str] = MappingProxyType(
    {
        Grade.MILD: (
            "Mild; asymptomatic or mild symptoms; clinical or diagnostic observations only; "
            "intervention not indicated"
        ),
        Grade.MODERATE: (
            "Moderate; minimal, local or non-invasive intervention indicated; limiting "
            "age-appropriate instrumental ADL"
        ),
        Grade.SEVERE: (
            "Severe or medically significant but not immediately life-threatening; "
            "hospitalisation or prolongation of hospitalisation indicated; disabling; limiting "
            "self-care ADL"
        ),
        Grade.LIFE_THREATENING: "Life-threatening consequences; urgent intervention indicated",
        Grade.DEATH: "Death related to the adverse event",
    }
)


class Soc(StrEnum):
    """A MedDRA system organ class as used by CTCAE v5.0 (26 classes)."""

    BLOOD_AND_LYMPHATIC_SYSTEM = "blood_and_lymphatic_system_disorders"
    CARDIAC = "cardiac_disorders"
    CONGENITAL_FAMILIAL_AND_GENETIC = "congenital_familial_and_genetic_disorders"
    EAR_AND_LABYRINTH = "ear_and_labyrinth_disorders"
    ENDOCRINE = "endocrine_disorders"
    EYE = "eye_disorders"
    GASTROINTESTINAL = "gastrointestinal_disorders"
    GENERAL = "general_disorders_and_administration_site_conditions"
    HEPATOBILIARY = "hepatobiliary_disorders"
    IMMUNE_SYSTEM = "immune_system_disorders"
    INFECTIONS = "infections_and_infestations"
    INJURY_POISONING_AND_PROCEDURAL = "injury_poisoning_and_procedural_complications"
    INVESTIGATIONS = "investigations"
    METABOLISM_AND_NUTRITION = "metabolism_and_nutrition_disorders"
    MUSCULOSKELETAL_AND_CONNECTIVE_TISSUE = "musculoskeletal_and_connective_tissue_disorders"
    NEOPLASMS = "neoplasms_benign_malignant_and_unspecified"
    NERVOUS_SYSTEM = "nervous_system_disorders"
    PREGNANCY = "pregnancy_puerperium_and_perinatal_conditions"
    PSYCHIATRIC = "psychiatric_disorders"
    RENAL_AND_URINARY = "renal_and_urinary_disorders"
    REPRODUCTIVE_SYSTEM_AND_BREAST = "reproductive_system_and_breast_disorders"
    RESPIRATORY_THORACIC_AND_MEDIASTINAL = "respiratory_thoracic_and_mediastinal_disorders"
    SKIN_AND_SUBCUTANEOUS_TISSUE = "skin_and_subcutaneous_tissue_disorders"
    SOCIAL_CIRCUMSTANCES = "social_circumstances"
    SURGICAL_AND_MEDICAL_PROCEDURES = "surgical_and_medical_procedures"
    VASCULAR = "vascular_disorders"

    @property
    def printed_name(self) -> str:
        """The class's name as printed in CTCAE."""
        return _SOC_TITLES[self]


_SOC_TITLES: Mapping[Soc, str] = MappingProxyType(
    {
        Soc.BLOOD_AND_LYMPHATIC_SYSTEM: "Blood and lymphatic system disorders",
        Soc.CARDIAC: "Cardiac disorders",
        Soc.CONGENITAL_FAMILIAL_AND_GENETIC: "Congenital, familial and genetic disorders",
        Soc.EAR_AND_LABYRINTH: "Ear and labyrinth disorders",
        Soc.ENDOCRINE: "Endocrine disorders",
        Soc.EYE: "Eye disorders",
        Soc.GASTROINTESTINAL: "Gastrointestinal disorders",
        Soc.GENERAL: "General disorders and administration site conditions",
        Soc.HEPATOBILIARY: "Hepatobiliary disorders",
        Soc.IMMUNE_SYSTEM: "Immune system disorders",
        Soc.INFECTIONS: "Infections and infestations",
        Soc.INJURY_POISONING_AND_PROCEDURAL: "Injury, poisoning and procedural complications",
        Soc.INVESTIGATIONS: "Investigations",
        Soc.METABOLISM_AND_NUTRITION: "Metabolism and nutrition disorders",
        Soc.MUSCULOSKELETAL_AND_CONNECTIVE_TISSUE: (
            "Musculoskeletal and connective tissue disorders"
        ),
        Soc.NEOPLASMS: "Neoplasms benign, malignant and unspecified (incl cysts and polyps)",
        Soc.NERVOUS_SYSTEM: "Nervous system disorders",
        Soc.PREGNANCY: "Pregnancy, puerperium and perinatal conditions",
        Soc.PSYCHIATRIC: "Psychiatric disorders",
        Soc.RENAL_AND_URINARY: "Renal and urinary disorders",
        Soc.REPRODUCTIVE_SYSTEM_AND_BREAST: "Reproductive system and breast disorders",
        Soc.RESPIRATORY_THORACIC_AND_MEDIASTINAL: (
            "Respiratory, thoracic and mediastinal disorders"
        ),
        Soc.SKIN_AND_SUBCUTANEOUS_TISSUE: "Skin and subcutaneous tissue disorders",
        Soc.SOCIAL_CIRCUMSTANCES: "Social circumstances",
        Soc.SURGICAL_AND_MEDICAL_PROCEDURES: "Surgical and medical procedures",
        Soc.VASCULAR: "Vascular disorders",
    }
)

_ALL_GRADES = frozenset(range(1, 6))


@dataclass(frozen=True, slots=True)
class CtcaeTerm:
    """A CTCAE term: its printed name, its SOC and the grades it has."""

    name: str
    soc: Soc
    grades: frozenset[int]
    other_specify: bool = False

    @property
    def key(self) -> str:
        """The term as a snake-case key, e.g. ``rectal_hemorrhage``."""
        return _normalise(self.name)

    @property
    def grade_range(self) -> str:
        """The grades in words, e.g. ``1–3`` or ``1, 2 and 5``."""
        grades = sorted(self.grades)
        if grades == list(range(grades[0], grades[-1] + 1)):
            return f"{grades[0]}–{grades[-1]}" if len(grades) > 1 else str(grades[0])
        return ", ".join(map(str, grades[:-1])) + f" and {grades[-1]}"


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")


# (name, SOC, lowest grade, highest grade): every listed term's grades are contiguous.
_V5_TERMS: tuple[tuple[str, Soc, int, int], ...] = (
    # Gastrointestinal disorders: PALLSOFT bowel toxicity.
    ("Abdominal pain", Soc.GASTROINTESTINAL, 1, 3),
    ("Anal hemorrhage", Soc.GASTROINTESTINAL, 1, 5),
    ("Anal pain", Soc.GASTROINTESTINAL, 1, 3),
    ("Colitis", Soc.GASTROINTESTINAL, 1, 5),
    ("Constipation", Soc.GASTROINTESTINAL, 1, 5),
    ("Diarrhea", Soc.GASTROINTESTINAL, 1, 5),
    ("Enterocolitis", Soc.GASTROINTESTINAL, 1, 5),
    ("Fecal incontinence", Soc.GASTROINTESTINAL, 1, 3),
    ("Flatulence", Soc.GASTROINTESTINAL, 1, 2),
    ("Nausea", Soc.GASTROINTESTINAL, 1, 3),
    ("Proctitis", Soc.GASTROINTESTINAL, 1, 5),
    ("Rectal fistula", Soc.GASTROINTESTINAL, 1, 5),
    ("Rectal hemorrhage", Soc.GASTROINTESTINAL, 1, 5),
    ("Rectal mucositis", Soc.GASTROINTESTINAL, 1, 5),
    ("Rectal pain", Soc.GASTROINTESTINAL, 1, 3),
    ("Rectal stenosis", Soc.GASTROINTESTINAL, 1, 5),
    ("Vomiting", Soc.GASTROINTESTINAL, 1, 5),
    # Renal and urinary disorders: PALLSOFT bladder toxicity.
    ("Bladder spasm", Soc.RENAL_AND_URINARY, 1, 3),
    ("Cystitis noninfective", Soc.RENAL_AND_URINARY, 1, 5),
    ("Hematuria", Soc.RENAL_AND_URINARY, 1, 5),
    ("Urinary frequency", Soc.RENAL_AND_URINARY, 1, 2),
    ("Urinary incontinence", Soc.RENAL_AND_URINARY, 1, 3),
    ("Urinary retention", Soc.RENAL_AND_URINARY, 1, 5),
    ("Urinary tract obstruction", Soc.RENAL_AND_URINARY, 1, 5),
    ("Urinary tract pain", Soc.RENAL_AND_URINARY, 1, 3),
    ("Urinary urgency", Soc.RENAL_AND_URINARY, 1, 2),
    # Reproductive system: PALLSOFT gynaecological tumours.
    ("Vaginal discharge", Soc.REPRODUCTIVE_SYSTEM_AND_BREAST, 1, 2),
    ("Vaginal dryness", Soc.REPRODUCTIVE_SYSTEM_AND_BREAST, 1, 3),
    ("Vaginal hemorrhage", Soc.REPRODUCTIVE_SYSTEM_AND_BREAST, 1, 5),
    ("Vaginal pain", Soc.REPRODUCTIVE_SYSTEM_AND_BREAST, 1, 3),
    # Radiation skin and soft-tissue effects: both trials, PROSARC-2 limbs and trunk.
    ("Dermatitis radiation", Soc.INJURY_POISONING_AND_PROCEDURAL, 1, 5),
    ("Fracture", Soc.INJURY_POISONING_AND_PROCEDURAL, 1, 5),
    ("Fibrosis deep connective tissue", Soc.MUSCULOSKELETAL_AND_CONNECTIVE_TISSUE, 1, 5),
    ("Joint range of motion decreased", Soc.MUSCULOSKELETAL_AND_CONNECTIVE_TISSUE, 1, 3),
    ("Pain in extremity", Soc.MUSCULOSKELETAL_AND_CONNECTIVE_TISSUE, 1, 3),
    ("Skin hyperpigmentation", Soc.SKIN_AND_SUBCUTANEOUS_TISSUE, 1, 2),
    ("Skin induration", Soc.SKIN_AND_SUBCUTANEOUS_TISSUE, 1, 3),
    ("Lymphedema", Soc.VASCULAR, 1, 3),
    # General symptoms.
    ("Anorexia", Soc.METABOLISM_AND_NUTRITION, 1, 5),
    ("Death NOS", Soc.GENERAL, 5, 5),
    ("Edema limbs", Soc.GENERAL, 1, 3),
    ("Fatigue", Soc.GENERAL, 1, 3),
    ("Pain", Soc.GENERAL, 1, 3),
)

#: British spellings and common word orders accepted for the CTCAE name.
_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "diarrhoea": "diarrhea",
        "haematuria": "hematuria",
        "rectal_haemorrhage": "rectal_hemorrhage",
        "anal_haemorrhage": "anal_hemorrhage",
        "vaginal_haemorrhage": "vaginal_hemorrhage",
        "faecal_incontinence": "fecal_incontinence",
        "oedema_limbs": "edema_limbs",
        "lymphoedema": "lymphedema",
        "radiation_dermatitis": "dermatitis_radiation",
        "noninfective_cystitis": "cystitis_noninfective",
        "non_infective_cystitis": "cystitis_noninfective",
        "cystitis_non_infective": "cystitis_noninfective",
    }
)


@dataclass(frozen=True)
class TermTable:
    """The terms of one CTCAE version, with their grades, and the SOCs' "Other, specify"."""

    version: CtcaeVersion
    terms: tuple[CtcaeTerm, ...]
    provisional: bool = False
    _by_key: dict[str, CtcaeTerm] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_key: dict[str, CtcaeTerm] = {}
        for term in (*self.terms, *(_other(soc) for soc in Soc)):
            if term.key in by_key:
                raise ValueError(f"CTCAE v{self.version}: duplicate term {term.name!r}")
            by_key[term.key] = term
        object.__setattr__(self, "_by_key", by_key)

    def term(self, name: str, *, field: str = "term") -> CtcaeTerm:
        """The term called ``name`` (case, spacing and British spelling do not matter)."""
        key = _normalise(name)
        found = self._by_key.get(_ALIASES.get(key, key))
        if found is None:
            raise invalid(
                f"{name!r} is not a CTCAE v{self.version} term in radtrial's table; record it as "
                "'<system organ class> - Other, specify' with the event named",
                field,
                "unknown_term",
                version=self.version,
            )
        return found

    def all_terms(self) -> tuple[CtcaeTerm, ...]:
        """Every term, the SOCs' "Other, specify" included."""
        return tuple(self._by_key.values())

    def in_soc(self, soc: Soc) -> tuple[CtcaeTerm, ...]:
        """The listed terms of ``soc``, "Other, specify" included."""
        return tuple(t for t in self._by_key.values() if t.soc is soc)


def _other(soc: Soc) -> CtcaeTerm:
    return CtcaeTerm(f"{soc.printed_name} - Other, specify", soc, _ALL_GRADES, other_specify=True)


def _table(version: CtcaeVersion, *, provisional: bool) -> TermTable:
    terms = tuple(
        CtcaeTerm(name, soc, frozenset(range(low, high + 1))) for name, soc, low, high in _V5_TERMS
    )
    return TermTable(version, terms, provisional=provisional)


_TABLES: Mapping[str, TermTable] = MappingProxyType(
    {"5.0": _table("5.0", provisional=False), "6.0": _table("6.0", provisional=True)}
)


def parse_ctcae_version(value: object, *, field: str = "ctcae_version") -> CtcaeVersion:
    """``"5.0"`` or ``"6.0"``; anything else (including a missing version) is refused."""
    for version in CTCAE_VERSIONS:
        if value == version:
            return version
    raise invalid(
        f"the CTCAE version must be one of {', '.join(CTCAE_VERSIONS)}, not {value!r}",
        field,
        "unknown_version",
        allowed=list(CTCAE_VERSIONS),
    )


def term_table(version: object) -> TermTable:
    """The bundled term table of a CTCAE version."""
    return _TABLES[parse_ctcae_version(version)]


def parse_grade(value: object, term: CtcaeTerm, version: str, *, field: str = "grade") -> Grade:
    """A grade 1–5 that ``term`` has in ``version``; refused with the term's grades otherwise."""
    number = whole_number(value, field, 1, 5, "A CTCAE grade")
    if number not in term.grades:
        raise invalid(
            f"{term.name} has no grade {number} in CTCAE v{version} (its grades are "
            f"{term.grade_range})",
            field,
            "grade_not_defined_for_term",
            allowed=sorted(term.grades),
        )
    return Grade(number)
