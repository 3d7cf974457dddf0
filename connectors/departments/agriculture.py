"""农业农村 agriculture: farm-project losses and insurance claims, one row per household and project."""
from connectors.contract import Contract, address, optional, person, required

CONTRACT = Contract(
    department="agriculture",
    label="农业农村",
    aliases=("农业农村局", "农业局", "农业"),
    order=11,
    role="head",
    fields=(
        *person("户主姓名", "户主身份证号"),
        required("industry_type", "产业类型", "enum", allowed=("种植", "养殖", "林业", "加工", "其他")),
        required("project", "项目名称"),
        required("loss_type", "事件类型", "enum",
                 allowed=("绝收", "减产", "疫病死亡", "价格下跌", "经营失败")),
        required("loss", "损失金额", "amount"),
        optional("claim_paid", "理赔金额", "amount"),
        required("loss_date", "事件日期", "date"),
        *address(),
    ),
)
