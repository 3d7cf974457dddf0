"""应急 emergency management: disaster losses, one row per affected household and event."""
from connectors.contract import Contract, address, person, required

CONTRACT = Contract(
    department="emergency",
    label="应急",
    aliases=("应急局", "应急管理"),
    order=8,
    role="head",
    fields=(
        *person("户主姓名", "户主身份证号"),
        required("disaster_type", "灾害类型", "enum",
                 allowed=("洪涝", "台风", "干旱", "地震", "地质灾害", "火灾", "冰冻", "其他")),
        required("disaster_date", "灾害日期", "date"),
        required("damage", "受灾情况", "enum",
                 allowed=("房屋倒塌", "房屋严重损坏", "房屋一般损坏", "农作物受灾", "人员伤亡")),
        required("direct_loss", "直接经济损失", "amount"),
        *address(),
    ),
)
