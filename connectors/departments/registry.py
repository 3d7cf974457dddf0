"""花名册 the monitored-household roster, one row per person (loaded by connectors.roster)."""
from connectors.contract import Contract, column, optional, person, required

CONTRACT = Contract(
    department="registry",
    label="花名册",
    aliases=("roster", "监测对象花名册"),
    role="person",
    fields=(
        required("household_no", "户编号", pattern=r"\d{10,20}"),
        column("county", "县", "region"),
        column("township", ("乡镇", "乡镇（街道）"), "region"),
        column("village", ("村", "村（社区）", "行政村"), "region"),
        optional("group", ("组", "村民小组"), "region"),
        required("household_type", "户类型", "enum",
                 allowed=("脱贫户", "脱贫不稳定户", "边缘易致贫户", "突发严重困难户", "一般农户")),
        column("risk_status", "风险状态", "enum", allowed=("风险未消除", "风险已消除")),
        column("income_per_capita", "人均纯收入", "amount"),
        column("household_size", "家庭人口", "int"),
        *person(name_blank_ok=False),  # every monitored person has a name on the roster
        column("relation", "与户主关系", allowed=(
            "户主", "配偶", "之子", "之女", "之父", "之母", "之孙子", "之孙女", "儿媳", "女婿", "其他")),
        column("sex", "性别", "enum", allowed=("男", "女"), on_error="flag"),
        optional("phone", "联系电话", "phone", on_error="flag", sensitive=True),
        column("labour_capacity", "劳动能力", "enum", on_error="flag",
               allowed=("普通劳动力", "技能劳动力", "弱劳动力或半劳动力", "丧失劳动力", "无劳动力")),
    ),
)
