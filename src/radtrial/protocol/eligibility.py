"""Eligibility criteria: verbatim text plus a machine-evaluable rule where the data allow.

Every rule states what must hold for the person to be *eligible*, for inclusion and exclusion
criteria alike: exclusion "previous radiotherapy to the tumour site" is the rule
``prior_rt_to_tumour_site`` is false. Criteria that need clinical judgement carry a ``confirm``
rule: the investigator confirms them. Rules name screening fields declared in the protocol, so a
rule can never refer to data the screening form does not collect.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from radtrial.protocol.section import Section

FieldType = Literal["integer", "number", "boolean", "date", "choice", "text"]

FIELD_PATTERN = r"^[a-z][a-z0-9_]*$"
CRITERION_ID_PATTERN = r"^[IE][0-9]{1,2}[a-z]?$"


class ScreeningField(Section):
    """One item the screening form collects."""

    name: str = Field(pattern=FIELD_PATTERN)
    type: FieldType
    label: str = Field(min_length=1)
    unit: str | None = None
    choices: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _choices_only_for_choice(self) -> ScreeningField:
        if self.type == "choice" and not self.choices:
            raise ValueError(f"choices: field {self.name!r} of type choice needs choices")
        if self.type != "choice" and self.choices:
            raise ValueError(f"choices: field {self.name!r} of type {self.type} takes no choices")
        return self


class RangeRule(Section):
    """A numeric field lies in [min, max]; either bound may be open or exclusive."""

    kind: Literal["range"]
    field: str
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    max_exclusive: bool = False

    @model_validator(mode="after")
    def _bounded(self) -> RangeRule:
        if self.min is None and self.max is None:
            raise ValueError("a range rule needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}")
        return self

    def describe(self) -> str:
        """The rule in one short line, e.g. ``ecog 0–3`` or ``expected_survival_weeks > 12``."""
        low = None if self.min is None else (">" if self.min_exclusive else "≥")
        high = None if self.max is None else ("<" if self.max_exclusive else "≤")
        if low == "≥" and high == "≤":
            return f"{self.field} {self.min:g}–{self.max:g}"
        parts = []
        if low is not None:
            parts.append(f"{self.field} {low} {self.min:g}")
        if high is not None:
            parts.append(f"{self.field} {high} {self.max:g}")
        return " and ".join(parts)


class OneOfRule(Section):
    """A choice field takes one of the listed values."""

    kind: Literal["one_of"]
    field: str
    values: tuple[str, ...] = Field(min_length=1)

    def describe(self) -> str:
        """The rule in one short line."""
        return f"{self.field} is one of {', '.join(self.values)}"


class NoneOfRule(Section):
    """A choice field takes none of the listed values."""

    kind: Literal["none_of"]
    field: str
    values: tuple[str, ...] = Field(min_length=1)

    def describe(self) -> str:
        """The rule in one short line."""
        return f"{self.field} is none of {', '.join(self.values)}"


class FlagRule(Section):
    """A yes/no field has the required answer."""

    kind: Literal["flag"]
    field: str
    required: bool

    def describe(self) -> str:
        """The rule in one short line."""
        return f"{self.field} = {'yes' if self.required else 'no'}"


class DaysBeforeRule(Section):
    """A dated event lies at least ``min_days`` before a reference date.

    ``absent_is_met``: an explicitly empty event date (the event never happened, e.g. no
    systemic therapy at all) satisfies the rule.
    """

    kind: Literal["days_before"]
    field: str
    reference: str
    min_days: int = Field(ge=0)
    absent_is_met: bool = True

    def describe(self) -> str:
        """The rule in one short line."""
        none = " (or never)" if self.absent_is_met else ""
        return f"{self.field} ≥ {self.min_days} days before {self.reference}{none}"


class ConfirmRule(Section):
    """Clinical judgement: the investigator confirms the criterion."""

    kind: Literal["confirm"]
    prompt: str = Field(min_length=1)

    def describe(self) -> str:
        """The rule in one short line."""
        return "investigator confirms"


class AllRule(Section):
    """Every listed rule holds."""

    kind: Literal["all"]
    rules: tuple[Rule, ...] = Field(min_length=2)

    def describe(self) -> str:
        """The rule in one short line."""
        return "; ".join(rule.describe() for rule in self.rules)


Rule = Annotated[
    RangeRule | OneOfRule | NoneOfRule | FlagRule | DaysBeforeRule | ConfirmRule | AllRule,
    Field(discriminator="kind"),
]
AllRule.model_rebuild()


class Condition(Section):
    """A guard: the criterion applies only when ``field`` equals ``equals``."""

    field: str
    equals: bool | str | int


class Criterion(Section):
    """One inclusion or exclusion criterion."""

    id: str = Field(pattern=CRITERION_ID_PATTERN)
    text: str = Field(min_length=1, description="Verbatim text of the registry/protocol")
    rule: Rule
    when: Condition | None = None

    def describe(self) -> str:
        """The machine rule in one line, with its guard."""
        guard = ""
        if self.when is not None:
            value = self.when.equals
            shown = ("yes" if value else "no") if isinstance(value, bool) else value
            guard = f"if {self.when.field} = {shown}: "
        return guard + self.rule.describe()


class Eligibility(Section):
    """The screening form's fields and the criteria evaluated over them."""

    fields: tuple[ScreeningField, ...] = Field(min_length=1)
    inclusion: tuple[Criterion, ...] = Field(min_length=1)
    exclusion: tuple[Criterion, ...] = ()

    @model_validator(mode="after")
    def _rules_name_declared_fields(self) -> Eligibility:
        fields = {f.name: f for f in self.fields}
        if len(fields) != len(self.fields):
            raise ValueError("fields: duplicate field name")
        ids = [c.id for c in (*self.inclusion, *self.exclusion)]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate criterion id {', '.join(duplicates)}")
        for group, criteria, prefix in (
            ("inclusion", self.inclusion, "I"),
            ("exclusion", self.exclusion, "E"),
        ):
            for index, criterion in enumerate(criteria):
                where = f"{group}[{index}] ({criterion.id})"
                if not criterion.id.startswith(prefix):
                    raise ValueError(f"{where}: {group} criterion ids start with {prefix!r}")
                _check_rule(criterion.rule, fields, where)
                if criterion.when is not None:
                    _check_condition(criterion.when, fields, where)
        return self

    def criteria(self) -> tuple[Criterion, ...]:
        """Inclusion then exclusion criteria, in file order."""
        return (*self.inclusion, *self.exclusion)


_NUMERIC = ("integer", "number")


def _need(fields: dict[str, ScreeningField], name: str, types: tuple[str, ...], where: str) -> None:
    if name not in fields:
        raise ValueError(f"{where}: rule names {name!r}, which is not a screening field")
    if fields[name].type not in types:
        raise ValueError(
            f"{where}: field {name!r} is {fields[name].type}, the rule needs {' or '.join(types)}"
        )


def _check_rule(rule: Rule, fields: dict[str, ScreeningField], where: str) -> None:
    if isinstance(rule, RangeRule):
        _need(fields, rule.field, _NUMERIC, where)
    elif isinstance(rule, OneOfRule | NoneOfRule):
        _need(fields, rule.field, ("choice", "text"), where)
        choices = fields[rule.field].choices
        unknown = [v for v in rule.values if choices and v not in choices]
        if unknown:
            raise ValueError(f"{where}: values {unknown} are not choices of {rule.field!r}")
    elif isinstance(rule, FlagRule):
        _need(fields, rule.field, ("boolean",), where)
    elif isinstance(rule, DaysBeforeRule):
        _need(fields, rule.field, ("date",), where)
        _need(fields, rule.reference, ("date",), where)
    elif isinstance(rule, AllRule):
        for inner in rule.rules:
            _check_rule(inner, fields, where)


def _check_condition(condition: Condition, fields: dict[str, ScreeningField], where: str) -> None:
    if condition.field not in fields:
        raise ValueError(f"{where}: when names {condition.field!r}, which is not a screening field")
