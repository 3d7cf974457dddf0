"""教育 education: compulsory-education status and schooling costs, one row per student."""
from expectations.suites import common as c

ENROLLMENT_STATUS = ("在读", "辍学", "休学", "转学", "毕业")


def expectations() -> c.Expectations:
    """The education suite (school, grade, guardian and cost may be blank)."""
    return [
        *c.person(),
        *c.in_set("enrollment_status", ENROLLMENT_STATUS),
        *c.amount("schooling_cost", optional=True),
    ]
