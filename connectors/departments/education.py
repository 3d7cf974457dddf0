"""教育 education: compulsory-education status and schooling costs, one row per student."""
from connectors.contract import Contract, address, column, optional, person, required

CONTRACT = Contract(
    department="education",
    label="教育",
    aliases=("教育局",),
    order=1,
    role="student",
    fields=(
        *person("学生姓名", "学生身份证号"),
        optional("guardian_name", "监护人姓名", "name", on_error="flag"),
        optional("guardian_id", "监护人身份证号", "id", sensitive=True),
        column("school", "学校名称"),
        column("grade", "年级"),
        required("enrollment_status", "学籍状态", "enum",
                 allowed=("在读", "辍学", "休学", "转学", "毕业")),
        optional("schooling_cost", ("年度教育支出", "教育支出"), "amount"),
        *address(),
    ),
)
