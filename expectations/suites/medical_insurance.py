"""医保 medical insurance: the checks across fields (the basic ones come from its contract)."""
from expectations.suites import common as c


def expectations() -> c.Expectations:
    """Out-of-pocket is part of the total cost."""
    return c.not_more_than("out_of_pocket", "total_cost")
