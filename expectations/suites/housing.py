"""住建 housing: housing-safety appraisals, one row per dwelling (named by its head)."""
from expectations.suites import common as c


def expectations() -> c.Expectations:
    """The housing suite."""
    return [
        *c.person(),
        *c.in_set("grade", c.GRADES),
        *c.date("appraisal_date"),
        *c.yes_no("occupied"),
    ]
