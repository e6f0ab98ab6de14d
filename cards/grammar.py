"""Polish agrees with the holder: "rozliczony" or "rozliczona", "skreślony" or "skreślona".

Every message that names a holder picks its form here. PESEL's 10th digit gives the sex
(even: female). A holder without a PESEL (a foreigner) is read from the first name:
Polish female names end in "a", with a few male exceptions.
"""

from __future__ import annotations

from typing import Any

from stdnum.exceptions import ValidationError
from stdnum.pl import pesel as pesel_number

from django.utils.translation import pgettext_lazy

_MALE_NAMES_ENDING_IN_A = frozenset({"kuba", "barnaba", "bonawentura", "kosma", "jarema",
                                     "zawisza", "dyzma"})


def holder_sex(holder: Any) -> str | None:
    """"F" or "M" from the PESEL, None without a valid one."""
    try:
        return pesel_number.get_gender(holder.pesel) if holder.pesel else None
    except ValidationError:
        return None


def holder_is_female(holder: Any) -> bool:
    sex = holder_sex(holder)
    if sex is not None:
        return sex == "F"
    first = (holder.first_name or "").strip().split(" ")[0].casefold()
    return first.endswith("a") and first not in _MALE_NAMES_ENDING_IN_A


def for_holder(holder: Any, *, female: Any, male: Any) -> str:
    """The form of a message that agrees with the holder (both forms already translated)."""
    return str(female if holder_is_female(holder) else male)


# Enrolment statuses as said of the person: "zawieszona", "skreślony z listy", "absolwentka".
ENROLMENT_STATUS = {
    "active": (pgettext_lazy("female holder", "active"), pgettext_lazy("male holder", "active")),
    "suspended": (pgettext_lazy("female holder", "suspended"),
                  pgettext_lazy("male holder", "suspended")),
    "removed": (pgettext_lazy("female holder", "finally removed from the list"),
                pgettext_lazy("male holder", "finally removed from the list")),
    "graduated": (pgettext_lazy("female holder", "graduated"),
                  pgettext_lazy("male holder", "graduated")),
}


def enrolment_status(enrolment: Any) -> str:
    forms = ENROLMENT_STATUS.get(enrolment.status)
    if forms is None:
        return enrolment.get_status_display()
    return for_holder(enrolment.holder, female=forms[0], male=forms[1])
