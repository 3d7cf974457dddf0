"""残联 disabled persons' federation: disability certificates issued, changed or cancelled."""
from connectors.contract import Contract, address, optional, person, required

CONTRACT = Contract(
    department="disability",
    label="残联",
    aliases=("残疾人联合会", "县残联"),
    order=9,
    role="person",
    fields=(
        *person(),
        required("disability_category", "残疾类别", "enum",
                 allowed=("视力", "听力", "言语", "肢体", "智力", "精神", "多重")),
        required("disability_grade", "残疾等级", "enum", allowed=("一级", "二级", "三级", "四级")),
        required("change_type", "变动类型", "enum", allowed=("新办", "换证", "注销")),
        required("change_date", "变动日期", "date"),
        optional("two_subsidies", "两项补贴", "bool", on_error="flag"),
        *address(),
    ),
)
