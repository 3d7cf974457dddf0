"""住建 housing: housing-safety appraisals, one row per dwelling."""
from connectors.contract import Contract, address, column, person, required

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
        *address(),
    ),
)
