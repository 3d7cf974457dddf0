"""人社 human resources: employment status of rural labour, one row per status change."""
from expectations.suites import common as c

EMPLOYMENT_STATUS = ("稳定就业", "灵活就业", "失业", "返乡未就业", "公益性岗位")


def expectations() -> c.Expectations:
    """The HR suite (no workplace for someone out of work; income is optional)."""
    return [
        *c.person(),
        *c.in_set("employment_status", EMPLOYMENT_STATUS),
        *c.date("status_date"),
        *c.amount("monthly_income", optional=True),
    ]
