"""水利 water: drinking-water safety checks, one row per household (named by its head)."""
from expectations.suites import common as c

SUPPLY_MODE = ("集中供水", "分散供水")
CHECKS = ("quantity_ok", "quality_ok", "access_ok", "reliability_ok")


def expectations() -> c.Expectations:
    """The water suite."""
    return [
        *c.person(),
        *c.in_set("supply_mode", SUPPLY_MODE),
        *c.yes_no(*CHECKS),
        *c.date("check_date"),
    ]
