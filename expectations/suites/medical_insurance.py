"""医保 medical insurance: insurance status and settled medical costs, one row per insured person."""
from expectations.suites import common as c

INSURANCE_STATUS = ("正常参保", "未参保", "中断")
AMOUNTS = ("total_cost", "basic_reimbursed", "critical_reimbursed", "medical_assistance", "out_of_pocket")


def expectations() -> c.Expectations:
    """The medical-insurance suite."""
    return [
        *c.person(),
        *c.in_set("insurance_status", INSURANCE_STATUS),
        # Blank costs are allowed (nothing settled yet, or not insured); present ones must be sane.
        *(e for field in AMOUNTS for e in c.amount(field, optional=True)),
        *c.not_more_than("out_of_pocket", "total_cost"),
    ]
