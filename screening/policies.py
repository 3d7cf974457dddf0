"""The county's policy list (政策清单, seed 002 annex 1): read it, check its rules, keep it.

A list is a CSV/XLSX file in the columns of annex 1 (FEEDS.md 政策清单) plus four of the hub's:
帮扶性质 (开发式 | 兜底), 应对风险 (risk types, as labelled in the rules YAML or by code),
适用规则 (the eligibility condition in the screening rule language, written as YAML in one
cell) and 推荐理由 (the reason shown with a suggestion; ``{name}``, ``{age}``… are the
household's facts). The shipped default (policies_default.yaml) is the same list as YAML.

A load is all or nothing: every bad cell is named by file, row and column, and nothing is
written; a good list replaces the previous one in one transaction, so loading it again
changes nothing. Until a county loads its own, the default list is used.
"""
from __future__ import annotations

import json
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from connectors.contract import Contract, optional, required
from connectors.errors import FeedError
from connectors.plan import ingest_settings
from connectors.reader import Located, locate, read_sheet
from screening.rules.loader import load_rules, rule_files
from screening.rules.model import RuleError
from screening.rules.operators import OPERATORS
from screening.rules.validate import validate_condition
from shouwang.core.clock import today
from shouwang.core.errors import Problems, UserError
from warehouse.help_tables import Policy
from warehouse.masking import mask_text

DEFAULT_FILE = Path(__file__).with_name("policies_default.yaml")  # package data
DEFAULT_SOURCE = "default"
KINDS = ("开发式", "兜底")
UNABLE_DEFAULT = ("丧失劳动力", "无劳动力")  # when the rules YAML names none (seed 004 §9)
SHOWN_PROBLEMS = 8
_SPLIT = str.maketrans({c: "," for c in "、，,;；/ 　"})

# The facts a policy's rule may test: each member's, merged with its household's (a rule holds
# for the household when it holds for one member). screening.suggestions computes them.
FACTS: dict[str, str] = {
    # the member (roster 花名册 and the departments' latest records about them)
    "name": "姓名", "age": "年龄（周岁）", "sex": "性别", "relation": "与户主关系",
    "labour_capacity": "劳动能力（花名册）", "able_to_work": "有劳动能力（是/否）",
    "in_school": "在读（教育 学籍状态）", "vocational": "在读中职/技工/高职院校",
    "school": "学校名称", "schooling_cost": "年度教育支出（元）",
    "enrollment_status": "学籍状态",
    "disease_category": "疾病类别（大病/重大慢性病/一般慢性病）",
    "seriously_ill": "患大病或重大慢性病",
    "insurance_status": "参保状态", "uninsured": "未参保或参保中断",
    "total_cost": "医疗总费用（元）", "out_of_pocket": "个人自付（元）",
    "disability_grade": "残疾等级", "disabled": "持残疾证", "severe_disability": "一、二级重度残疾",
    "two_subsidies": "已享残疾人两项补贴",
    "employment_status": "就业状态", "unemployed": "失业或返乡未就业",
    "monthly_income": "月收入（元）",
    # the household
    "household_type": "户类型", "risk_status": "风险状态", "monitored": "监测对象（风险未消除）",
    "income_per_capita": "人均纯收入（元）", "size": "家庭人口", "workers": "有劳动能力人数",
    "nobody_able_to_work": "无劳动能力户", "housing_grade": "房屋鉴定等级",
    "unsafe_housing": "住房C/D级且有人居住", "water_unsafe": "饮水不达标",
    "disaster_loss": "灾害直接经济损失（元）", "farm_loss": "产业损失（元）",
    "farm_project": "产业项目", "dibao": "享受低保", "tekun": "享受特困供养",
    "risk_types": "风险类型（文字）",
}
# risk_<code>: the household has a warning of that risk type not closed or withdrawn.
RISK_PREFIX = "risk_"
# An operator's value (screening.rules.operators ``needs``) in the words of the error message.
_NEEDS = {"a number": "一个数", "[low, high]": "[下限, 上限]", "a list value": "一个列表，如 [甲, 乙]",
          "[months, as-of date]": "[月数, 截止日期]"}

POLICY_LIST = Contract(
    department="policy_list", label="政策清单", role="head",
    fields=(
        required("help_type", "帮扶类型"),
        required("name", ("帮扶政策", "政策名称")),
        optional("content", "帮扶政策具体内容"),
        optional("target_group", "适用人群"),
        optional("target_condition", "适用人群条件"),
        optional("procedure", ("申报程序（相关资料）", "申报程序")),
        optional("contact", ("部门、联系人及电话", "部门联系人及电话")),
        optional("department", ("主管部门", "责任部门")),
        required("kind", ("帮扶性质", "帮扶类别")),
        required("risk_types", ("应对风险", "风险类型")),
        required("when", ("适用规则", "规则")),
        optional("reason", ("推荐理由", "理由")),
    ),
)


@dataclass
class PolicySpec:
    """One policy as read from a list, checked; ``when`` is a rule-language condition."""

    name: str
    help_type: str
    kind: str
    risk_types: list[str]
    when: dict
    reason: str = ""
    department: str | None = None
    content: str | None = None
    target_group: str | None = None
    target_condition: str | None = None
    procedure: str | None = None
    contact: str | None = None

    def row(self, position: int, source: str) -> dict:
        """The ``policies`` row of this spec (a mobile number in the contact masked)."""
        return {"position": position, "name": self.name, "help_type": self.help_type,
                "kind": self.kind, "content": self.content, "target_group": self.target_group,
                "target_condition": self.target_condition, "procedure": self.procedure,
                "department": self.department,
                "contact": mask_text(self.contact) if self.contact else None,
                "risk_types": json.dumps(self.risk_types, ensure_ascii=False),
                "rule": json.dumps({"when": self.when, "reason": self.reason},
                                   ensure_ascii=False),
                "source": source[:255]}


@dataclass
class PolicyLoad:
    """What a load did (safe to print)."""

    source: str
    policies: int = 0
    replaced: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the operator should know (Chinese)


@lru_cache(maxsize=32)
def _rule_bits(name: str, county_code: str, period: str, home: str | None,
               _stamp: tuple) -> tuple[dict[str, str], tuple[str, ...]]:
    settings = {"county": {"code": county_code}, "screening": {"rules": name}}
    rules = load_rules(settings, period, Path(home) if home else None)
    unable = (rules.parameters.get("labour") or {}).get("unable") or UNABLE_DEFAULT
    return dict(rules.risk_types), tuple(unable)


def rule_bits(settings: dict, period: str, home: Path | None = None
              ) -> tuple[dict[str, str], tuple[str, ...]]:
    """What policies read of the rule set of ``period``: risk type labels and the 劳动能力 of
    someone unable to work (parameters.labour.unable). Parsing the rules YAML is most of a
    suggestion's time, so it is kept until a rule file changes (keyed by the files' mtimes)."""
    county_code = str(settings.get("county", {}).get("code", ""))
    name = settings.get("screening", {}).get("rules", "default")
    files = rule_files(name, county_code, period[:4], home)
    stamp = tuple((str(f), f.stat().st_mtime_ns) for f in files)
    labels, unable = _rule_bits(name, county_code, period, str(home) if home else None, stamp)
    return dict(labels), unable


def risk_labels(settings: dict, home: Path | None = None) -> dict[str, str]:
    """Risk type code → label (因病, …) of the rule set in force this month."""
    return rule_bits(settings, today(settings).strftime("%Y-%m"), home)[0]


def _leaves(cond: Any) -> list[dict]:
    """The single conditions of an ``all``/``any`` tree."""
    if isinstance(cond, dict):
        if "all" in cond or "any" in cond:
            return [leaf for c in (cond.get("all", cond.get("any")) or []) for leaf in _leaves(c)]
        return [cond]
    return []


def check_rule(when: Any, labels: dict[str, str]) -> None:
    """RuleError unless ``when`` is a valid condition over the known household facts."""
    if not isinstance(when, dict) or not when:
        raise RuleError("规则须是一个条件，例如 {field: age, op: between, value: [16, 22]}")
    for leaf in _leaves(when):
        op = OPERATORS.get(leaf.get("op"))
        if "field" in leaf and op is None:
            raise RuleError(f"运算符「{leaf.get('op')}」不可用；请用 {', '.join(OPERATORS)} 之一")
        if op is not None and op.value_ok is not None and not op.value_ok(leaf.get("value")):
            raise RuleError(f"「{leaf.get('field')}」的运算符「{leaf['op']}」需要 "
                            f"{_NEEDS.get(op.needs, op.needs)}，现在是 {leaf.get('value')!r}")
    validate_condition(when, "规则")
    known = set(FACTS) | {RISK_PREFIX + code for code in labels}
    unknown = [str(leaf.get("field")) for leaf in _leaves(when) if leaf.get("field") not in known]
    if unknown:
        raise RuleError(f"规则用了未知字段 {', '.join(unknown)}；可用字段见 docs/help-loop.md"
                        f"（如 age、vocational、out_of_pocket、nobody_able_to_work、risk_illness）")


def _risk_codes(value: Any, labels: dict[str, str]) -> tuple[list[str], list[str]]:
    """Codes for risk types given as codes or labels (因病 or illness); and the unknown ones."""
    words = value if isinstance(value, list) else str(value or "").translate(_SPLIT).split(",")
    by_label = {v: k for k, v in labels.items()}
    codes, unknown = [], []
    for w in (str(x).strip() for x in words):
        if not w:
            continue
        code = w if w in labels else by_label.get(w) or by_label.get("因" + w)
        (codes if code else unknown).append(code or w)
    return codes, unknown


def build_spec(raw: dict, labels: dict[str, str], where: Where, problems: Problems) -> \
        PolicySpec | None:
    """A checked PolicySpec from one list entry, or None with its problems noted."""
    ok = True

    def bad(column: str, text: str) -> None:
        nonlocal ok
        ok = False
        problems.add(f"{where(column)}：{text}")

    name = str(raw.get("name") or "").strip()
    if not name:
        bad("帮扶政策", "政策名称为空，请填写")
    kind = str(raw.get("kind") or "").strip()
    if kind not in KINDS:
        bad("帮扶性质", f"「{kind}」不是 开发式 或 兜底，请二选一")
    codes, unknown = _risk_codes(raw.get("risk_types"), labels)
    if unknown or not codes:
        bad("应对风险", f"未知风险类型 {'、'.join(unknown) or '（空）'}；请写 "
                    f"{'、'.join(labels.values())} 中的一个或几个")
    when = raw.get("when")
    if isinstance(when, str):
        try:
            when = yaml.safe_load(when)
        except yaml.YAMLError as e:
            bad("适用规则", f"不是有效的规则写法（{str(e).splitlines()[0]}）；"
                        "请写成 {field: age, op: between, value: [16, 22]}")
            when = None
    if ok or when is not None:
        try:
            check_rule(when, labels)
        except RuleError as e:
            bad("适用规则", f"{e}")
    if not ok:
        return None
    text = {k: (str(raw[k]).strip() or None) if raw.get(k) is not None else None
            for k in ("content", "target_group", "target_condition", "procedure", "contact",
                      "department")}
    if not text["department"] and text["contact"]:  # 部门、联系人及电话 starts with the department
        text["department"] = text["contact"].translate(_SPLIT).split(",")[0][:64] or None
    return PolicySpec(name=name[:64], help_type=str(raw.get("help_type") or "其他").strip()[:32],
                      kind=kind, risk_types=codes, when=when,
                      reason=str(raw.get("reason") or "").strip(), **text)


class Where:
    """Names a cell for a message: '文件 第 n 行「列」' (or the YAML entry)."""

    def __init__(self, source: str, row: int | None, unit: str = "行"):
        self.source, self.row, self.unit = source, row, unit

    def __call__(self, column: str) -> str:
        """Where ``column`` of this row is."""
        return f"{self.source} 第 {self.row} {self.unit}「{column}」"


def _from_yaml(path: Path) -> list[tuple[Where, dict]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise UserError(f"{path.name}: 无法读取政策清单（{str(e).splitlines()[0]}）；"
                        "请检查 YAML 格式后重试") from None
    entries = data.get("policies") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise UserError(f"{path.name}: 顶层需要 `policies:` 列表（见 screening/policies_default.yaml）")
    return [(Where(path.name, i, "条"), e if isinstance(e, dict) else {})
            for i, e in enumerate(entries, start=1)]


def _from_sheet(path: Path, settings: dict) -> list[tuple[Where, dict]]:
    cfg = ingest_settings(settings)
    try:
        sheet = read_sheet(path)
    except FeedError as e:
        raise UserError(str(e)) from None
    found: Located | None = None
    for candidate in (sheet, *sheet.others):
        loc = locate(candidate, POLICY_LIST, int(cfg.get("header_scan_rows", 30)),
                     tuple(cfg.get("totals_labels", ("合计",))))
        if not loc.missing:
            found = loc
            break
    if found is None:
        heads = "、".join(f.headers[0] for f in POLICY_LIST.required_fields)
        raise UserError(f"{path.name}: 找不到政策清单的表头（需要列 {heads}）；请按 "
                        "docs/help-loop.md「政策清单」的列名整理后重试")
    out = []
    for i in found.data_rows:
        row = found.sheet.rows[i]
        raw = {name: (row[col].strip() if col < len(row) else "")
               for name, col in found.mapping.items()}
        out.append((Where(path.name, found.sheet.row_numbers[i]), raw))
    return out


def read_policy_file(path: Path, settings: dict, home: Path | None = None) -> list[PolicySpec]:
    """Every policy of a list file (.yaml, .csv, .xlsx, .xls), checked; UserError naming every
    bad cell otherwise."""
    path = Path(path)
    entries = (_from_yaml(path) if path.suffix.lower() in (".yaml", ".yml")
               else _from_sheet(path, settings))
    return _checked(entries, risk_labels(settings, home), path.name)


def _checked(entries: list[tuple[Where, dict]], labels: dict[str, str],
             source: str) -> list[PolicySpec]:
    """The entries built into specs; UserError naming every bad cell and duplicate."""
    problems = Problems(f"政策清单 {source}", "请改正后重新运行 shouwang policies load", SHOWN_PROBLEMS)
    specs, seen = [], {}
    for where, raw in entries:
        spec = build_spec(raw, labels, where, problems)
        if spec is None:
            continue
        if spec.name in seen:
            problems.add(f"{where('帮扶政策')}：「{spec.name}」与{seen[spec.name]}重复，请合并为一行")
            continue
        seen[spec.name] = f"第 {where.row} {where.unit}"
        specs.append(spec)
    if not specs and not problems.items:
        problems.add(f"{source}：没有任何政策")
    problems.raise_if_any()
    return specs


def replace_policies(session: Session, specs: list[PolicySpec], source: str) -> PolicyLoad:
    """Replace the stored list with ``specs`` (one transaction: the caller's)."""
    result = PolicyLoad(source=source)
    result.replaced = session.execute(delete(Policy)).rowcount or 0
    session.flush()
    for i, spec in enumerate(specs, start=1):
        session.add(Policy(**spec.row(i, source)))
        result.by_kind[spec.kind] = result.by_kind.get(spec.kind, 0) + 1
    result.policies = len(specs)
    session.flush()
    for kind in KINDS:  # the seeds' check needs both kinds on the list (seed 002 二(二))
        if not result.by_kind.get(kind):
            result.notes.append(f"清单中没有{kind}政策：帮扶措施无法满足「有劳动力须有开发式、"
                                f"无劳动能力须有兜底」的要求，请补充")
    return result


def load_policies(ctx, path: Path) -> PolicyLoad:
    """`shouwang policies load FILE`: read and check the list, then replace the stored one."""
    from warehouse.db import session_scope

    specs = read_policy_file(path, ctx.settings, ctx.home)
    with session_scope(ctx.engine) as s:
        return replace_policies(s, specs, Path(path).name)


def ensure_policies(session: Session, settings: dict, home: Path | None = None) -> int:
    """Load the shipped default list when the warehouse has none yet; the count stored."""
    count = session.scalar(select(func.count()).select_from(Policy)) or 0
    if count:
        return count
    return replace_policies(session, read_policy_file(DEFAULT_FILE, settings, home),
                            DEFAULT_SOURCE).policies


def stored_policies(session: Session, settings: dict, home: Path | None = None) -> list[Policy]:
    """The policy list in force, in its order; with none loaded, the default list unsaved (the
    portal reads policies and may not write them)."""
    found = list(session.scalars(select(Policy).order_by(Policy.position)))
    if found:
        return found
    labels = risk_labels(settings, home)
    specs = _default_specs(DEFAULT_FILE.stat().st_mtime_ns, tuple(sorted(labels.items())))
    return [Policy(**spec.row(i, DEFAULT_SOURCE)) for i, spec in enumerate(specs, start=1)]


@lru_cache(maxsize=4)
def _default_specs(_mtime: int, labels: tuple) -> tuple[PolicySpec, ...]:
    """The shipped list, read once per version of the file and of the risk types."""
    return tuple(_checked(_from_yaml(DEFAULT_FILE), dict(labels), DEFAULT_FILE.name))


def policy_rule(policy: Policy) -> tuple[dict, str]:
    """A stored policy's condition and reason template."""
    data = json.loads(policy.rule)
    return data["when"], data.get("reason", "")


def policy_risks(policy: Policy) -> list[str]:
    """A stored policy's risk type codes."""
    return list(json.loads(policy.risk_types or "[]"))
