"""医保 medical insurance: insurance status and settled medical costs, one row per person."""
from connectors.contract import Contract, address, column, person, required

CONTRACT = Contract(
    department="medical_insurance",
    label="医保",
    aliases=("医保局", "医疗保障"),
    order=3,
    role="person",
    fields=(
        *person(),
        required("insurance_status", "参保状态", "enum", allowed=("正常参保", "未参保", "中断")),
        column("total_cost", "医疗总费用", "amount"),
        column("basic_reimbursed", "基本医保报销", "amount"),
        column("critical_reimbursed", "大病保险报销", "amount"),
        column("medical_assistance", "医疗救助", "amount"),
        column("out_of_pocket", "个人自付", "amount"),
        *address(),
    ),
)
