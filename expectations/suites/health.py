"""卫健 health: serious and chronic illness diagnoses, one row per diagnosis."""
from expectations.suites import common as c

DISEASE_CATEGORY = ("大病", "重大慢性病", "一般慢性病")


def expectations() -> c.Expectations:
    """The health suite."""
    return [
        *c.person(),
        *c.required("disease"),
        *c.in_set("disease_category", DISEASE_CATEGORY),
        *c.date("diagnosis_date"),
    ]
