"""花名册 roster: the monitored-household roster, one row per person."""
from expectations import reasons
from expectations.suites import common as c

HOUSEHOLD_NO = r"^\d{10,20}$"
HOUSEHOLD_TYPE = ("脱贫户", "脱贫不稳定户", "边缘易致贫户", "突发严重困难户", "一般农户")
RISK_STATUS = ("风险未消除", "风险已消除")  # blank: not a monitored object
RELATION = ("户主", "配偶", "之子", "之女", "之父", "之母", "之孙子", "之孙女", "儿媳", "女婿", "其他")
SEX = ("男", "女")
LABOUR_CAPACITY = ("普通劳动力", "技能劳动力", "弱劳动力或半劳动力", "丧失劳动力", "无劳动力")
# Mainland mobile (11 digits) or a landline with area code; values never reach results or docs.
PHONE = r"^(?:1\d{10}|0\d{2,3}-?\d{7,8})$"


def expectations() -> c.Expectations:
    """The roster suite."""
    return [
        *c.pattern("household_no", HOUSEHOLD_NO, reasons.BAD_FORMAT),
        *c.person(),
        *c.in_set("household_type", HOUSEHOLD_TYPE),
        *c.in_set("risk_status", RISK_STATUS, optional=True),
        *c.amount("income_per_capita", optional=True),
        *c.count("household_size", "household_size_min", "household_size_max", optional=True),
        *c.in_set("relation", RELATION, optional=True),
        *c.in_set("sex", SEX, optional=True),
        *c.pattern("phone", PHONE, reasons.BAD_FORMAT, optional=True),
        *c.in_set("labour_capacity", LABOUR_CAPACITY, optional=True),
    ]
