"""Norwegian national identity numbers: fødselsnummer, D-number and H-number.

An identity number is eleven digits ``DDMMYY III K1 K2``: the birth date, a three-digit
individual number and two mod-11 check digits (Skatteetaten, "Fødselsnummer";
fnrinfo.no "Kontrollsifferberegning"; summarised in docs DOMAIN.md §7):

* ``K1 = 11 - (Σ d1…d9 · [3, 7, 6, 1, 8, 9, 4, 5, 2] mod 11)``,
* ``K2 = 11 - (Σ d1…d10 · [5, 4, 3, 2, 7, 6, 5, 4, 3, 2] mod 11)``,

where a result of 11 is written 0 and a result of 10 means no valid number exists with those
first digits. A D-number (issued to people not registered as residents) adds 40 to the day; an
H-number (a health-service auxiliary number) adds 40 to the month. The century follows from the
individual number and the two-digit year.

These are the rules for numbers issued before 2032. Skatteetaten's numbers from 1 January 2032
accept further check-digit values and no longer encode the century; that algorithm is not
published in a form we have verified, so such numbers are rejected here rather than guessed at.

Pure core: no clock, no I/O. The number is personal data (GDPR art. 4(1)); it belongs in the
identity store only, never in research data or logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from radtrial.errors import InvalidInput

__all__ = [
    "CHECK_WEIGHTS_1",
    "CHECK_WEIGHTS_2",
    "NationalId",
    "NationalIdKind",
    "check_digit",
    "parse_national_id",
]

#: Weights of d1…d9 for the first check digit K1.
CHECK_WEIGHTS_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
#: Weights of d1…d10 for the second check digit K2.
CHECK_WEIGHTS_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

_LENGTH = 11
_D_NUMBER_DAY_OFFSET = 40
_H_NUMBER_MONTH_OFFSET = 40


class NationalIdKind(StrEnum):
    """Which kind of identity number: the date part tells them apart."""

    FODSELSNUMMER = "fodselsnummer"
    D_NUMBER = "d_number"
    H_NUMBER = "h_number"


@dataclass(frozen=True, slots=True)
class NationalId:
    """A valid Norwegian identity number and what its digits say.

    ``repr`` shows only the kind so the number itself does not end up in logs or tracebacks.
    """

    value: str
    kind: NationalIdKind
    birth_date: date

    def __repr__(self) -> str:
        return f"NationalId(kind={self.kind.value!r}, value=<redacted>)"


def check_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    """The mod-11 check digit for ``digits`` under ``weights``; None when the result is 10.

    A result of 10 has no single-digit representation, so no valid number starts with these
    digits (the individual number is then skipped when numbers are issued).
    """
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    result = (11 - remainder) % 11
    return None if result == 10 else result


def _century(individual: int, year_2d: int) -> int | None:
    """The century (1800, 1900 or 2000) encoded by the individual number, per DOMAIN.md §7.

    Individual numbers 500–749 with a year of 40–54, and 750–899 with a year of 40 or above,
    were never issued; None says so.
    """
    if individual <= 499:
        return 1900
    if individual >= 900 and year_2d >= 40:
        return 1900
    if individual <= 749 and year_2d > 54:
        return 1800
    if year_2d < 40:
        return 2000
    return None


def _invalid(reason: str, message: str, field: str) -> InvalidInput:
    return InvalidInput(message, location=field, detail={"reason": reason})


def parse_national_id(text: str, *, field: str = "national_id") -> NationalId:
    """Validate a Norwegian identity number and derive its kind and birth date.

    Surrounding whitespace is ignored; anything else that is not a digit is refused. The check
    digits are verified before the date, so a mistyped digit is reported as a check-digit
    failure. Raises :class:`InvalidInput` located at ``field`` with ``detail["reason"]`` one of
    ``wrong_length``, ``not_digits``, ``check_digit_1``, ``check_digit_2``, ``bad_date`` or
    ``bad_century``; the message never repeats the number.
    """
    value = text.strip()
    if len(value) != _LENGTH:
        raise _invalid(
            "wrong_length", f"must be {_LENGTH} digits, got {len(value)} characters", field
        )
    if not (value.isascii() and value.isdigit()):
        raise _invalid("not_digits", "must contain only the digits 0-9", field)

    k1 = check_digit(value[:9], CHECK_WEIGHTS_1)
    if k1 is None or k1 != int(value[9]):
        raise _invalid("check_digit_1", "first check digit (digit 10) is wrong", field)
    k2 = check_digit(value[:10], CHECK_WEIGHTS_2)
    if k2 is None or k2 != int(value[10]):
        raise _invalid("check_digit_2", "second check digit (digit 11) is wrong", field)

    day, month, year_2d = int(value[0:2]), int(value[2:4]), int(value[4:6])
    individual = int(value[6:9])
    kind = NationalIdKind.FODSELSNUMMER
    if day > _D_NUMBER_DAY_OFFSET:
        kind = NationalIdKind.D_NUMBER
        day -= _D_NUMBER_DAY_OFFSET
    if month > _H_NUMBER_MONTH_OFFSET:
        if kind is NationalIdKind.D_NUMBER:
            raise _invalid("bad_date", "day and month cannot both be shifted by 40", field)
        kind = NationalIdKind.H_NUMBER
        month -= _H_NUMBER_MONTH_OFFSET

    century = _century(individual, year_2d)
    if century is None:
        raise _invalid(
            "bad_century", "individual number was never issued for that year of birth", field
        )
    try:
        birth_date = date(century + year_2d, month, day)
    except ValueError:
        raise _invalid("bad_date", "the first six digits are not a valid date", field) from None
    return NationalId(value=value, kind=kind, birth_date=birth_date)
