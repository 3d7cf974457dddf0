"""人社 human resources and social security: employment status changes of rural labour."""
from connectors.contract import Contract, address, column, optional, person, required

CONTRACT = Contract(
    department="hr",
    label="人社",
    aliases=("人社局", "人力资源社会保障"),
    order=7,
    role="person",
    fields=(
        *person(),
        required("employment_status", "就业状态", "enum",
                 allowed=("稳定就业", "灵活就业", "失业", "返乡未就业", "公益性岗位")),
        required("status_date", "状态变动日期", "date"),
        column("workplace", "务工地"),
        optional("monthly_income", "月收入", "amount"),
        *address(),
    ),
)
