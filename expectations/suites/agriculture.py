"""农业农村 agriculture: the checks across fields (the basic ones come from its contract)."""
from expectations.suites import common as c


def expectations() -> c.Expectations:
    """Insurance pays at most the loss it covers (a larger claim is a typing error)."""
    return c.not_more_than("claim_paid", "loss")
