"""民政 civil affairs: 低保, 特困 and 临时救助 changes, one row per change."""
from connectors.contract import Contract, address, column, person, required

CONTRACT = Contract(
    department="civil_affairs",
    label="民政",
    aliases=("民政局",),
    order=6,
    role="person",
    fields=(
        *person(),
        required("assistance_type", "救助类型", "enum", allowed=("低保", "特困供养", "临时救助")),
        required("change_type", "变动类型", "enum", allowed=("新增", "退出", "停发", "续保")),
        required("change_date", "变动日期", "date"),
        required("amount", "救助金额", "amount"),
        column("household_size", "家庭人口", "int"),
        column("income_per_capita", "家庭年人均收入", "amount"),
        *address(),
    ),
)
