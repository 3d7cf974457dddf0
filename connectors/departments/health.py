"""卫健 health: serious and chronic illness diagnoses, one row per diagnosis."""
from connectors.contract import Contract, address, column, person, required

CONTRACT = Contract(
    department="health",
    label="卫健",
    aliases=("卫健委", "卫生健康"),
    order=2,
    role="person",
    fields=(
        *person(),
        required("disease", "疾病名称"),
        required("disease_category", "疾病类别", "enum", allowed=("大病", "重大慢性病", "一般慢性病")),
        required("diagnosis_date", "确诊日期", "date"),
        column("hospital", "医疗机构"),
        *address(),
    ),
)
