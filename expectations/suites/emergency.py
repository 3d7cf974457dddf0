"""应急 emergency management: disaster losses, one row per affected household and event."""
from expectations.suites import common as c

DISASTER_TYPE = ("洪涝", "台风", "干旱", "地震", "地质灾害", "火灾", "冰冻", "其他")
DAMAGE = ("房屋倒塌", "房屋严重损坏", "房屋一般损坏", "农作物受灾", "人员伤亡")


def expectations() -> c.Expectations:
    """The emergency suite."""
    return [
        *c.person(),
        *c.in_set("disaster_type", DISASTER_TYPE),
        *c.date("disaster_date"),
        *c.in_set("damage", DAMAGE),
        *c.amount("direct_loss"),
    ]
