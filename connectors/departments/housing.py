"""住建 housing: housing-safety appraisals, one row per dwelling."""
from connectors.contract import Contract, address, column, optional, person, required

CONTRACT = Contract(
    department="housing",
    label="住建",
    aliases=("住建局", "住房城乡建设"),
    order=4,
    role="head",
    fields=(
        *person("户主姓名", "户主身份证号"),
        column("address", "房屋地址"),
        required("grade", "鉴定等级", "enum", allowed=("A", "B", "C", "D")),
        required("appraisal_date", "鉴定日期", "date"),
        required("occupied", "是否居住", "bool"),
        # Where the file says how the dwelling is lived in: 间歇性居住 of an unsafe house is a
        # 预警户 too (seed 001 二(二)); a county export without the column loads as before.
        optional("occupancy", "居住情况", "enum", allowed=("常住", "间歇性居住", "未居住"),
                 on_error="flag"),
        *address(),
    ),
)
