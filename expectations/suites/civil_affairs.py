"""民政 civil affairs: 低保, 特困 and 临时救助 changes, one row per change."""
from expectations.suites import common as c

ASSISTANCE_TYPE = ("低保", "特困供养", "临时救助")
CHANGE_TYPE = ("新增", "退出", "停发", "续保")


def expectations() -> c.Expectations:
    """The civil-affairs suite."""
    return [
        *c.person(),
        *c.in_set("assistance_type", ASSISTANCE_TYPE),
        *c.in_set("change_type", CHANGE_TYPE),
        *c.date("change_date"),
        *c.amount("amount"),
        *c.count("household_size", "household_size_min", "household_size_max", optional=True),
        *c.amount("income_per_capita", optional=True),
    ]
