"""水利 water: drinking-water safety checks, one row per household."""
from connectors.contract import Contract, address, person, required

CONTRACT = Contract(
    department="water",
    label="水利",
    aliases=("水利局",),
    order=5,
    role="head",
    fields=(
        *person("户主姓名", "户主身份证号"),
        required("supply_mode", "供水方式", "enum", allowed=("集中供水", "分散供水")),
        required("quantity_ok", "水量达标", "bool"),
        required("quality_ok", "水质达标", "bool"),
        required("access_ok", "取水方便", "bool"),
        required("reliability_ok", "供水保证率达标", "bool"),
        required("check_date", "检查日期", "date"),
        *address(),
    ),
)
