"""Score a run of the demo county against its truth: links, warnings and regional alerts.

Reads what an operator reads — the CSVs of ``shouwang export links|warnings|alerts`` — and the
generator's truth folder, so the figures in docs/scale.md are reproducible from the command line:

    python -m shouwang_tools.demo.score --truth var/demo/truth --links links.csv \
        --warnings warnings.csv --alerts alerts.csv [--json]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

# Mess kinds whose links are reported one by one (issue 15: IDs that need more than the ID).
ID_KINDS = ("id_blank", "id_excel_scientific", "id_typo_birth_date", "id_swap_birth_date",
            "id_typo_digit", "id_swap_adjacent", "id_excel_000", "name_blank")


def _read(path: Path | str) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _landed(frame: pd.DataFrame, files: set[str] | None) -> pd.DataFrame:
    """Truth rows of the files a run was given (all when ``files`` is None); roster rows stay."""
    if files is None:
        return frame
    keep = frame["source_file"].isin(files)
    if "department" in frame.columns:
        keep |= frame["department"] == "registry"
    return frame[keep]


def score_links(truth_dir: Path, links: pd.DataFrame, files: set[str] | None = None) -> dict:
    """Precision, recall and review share of the links export against truth/links.csv.

    A truth row is a true link when it is a roster person's row that is not truly bad (a bad row
    is quarantined). Predicted links are the export's auto rows (accepted ones show as auto).
    """
    truth = _landed(_read(truth_dir / "links.csv"), files)
    key = ["source_file", "source_row"]
    both = truth.merge(links, on=key, how="left", suffixes=("", "_run"))
    true = both["kind"] == "match"
    auto = both["status"] == "auto"
    right = auto & (both["household_id"] == both["household_no"])
    predicted, correct = int(auto.sum()), int(right.sum())
    out = {
        "rows": len(truth), "loaded": int(both["status"].notna().sum()),
        "true_links": int(true.sum()), "auto": predicted, "correct": correct,
        "precision": round(correct / predicted, 4) if predicted else 1.0,
        "recall": round(int((right & true).sum()) / int(true.sum()), 4) if true.any() else 1.0,
        "review": int((both["status"] == "review").sum()),
    }
    out["review_share"] = round(out["review"] / max(1, len(links)), 4)
    out["by_kind"] = _by_kind(truth_dir, both, true, right)
    return out


def _by_kind(truth_dir: Path, both: pd.DataFrame, true, right) -> dict:
    """For the ID mess kinds: true links of rows with that mess, linked right, in review."""
    mess = _read(truth_dir / "mess.csv")
    out = {}
    for kind in ID_KINDS:
        rows = mess[mess["kind"] == kind][["source_file", "source_row"]].drop_duplicates()
        sub = both.merge(rows.assign(_k=1), on=["source_file", "source_row"], how="left")["_k"].eq(1)
        if not sub.any():
            continue
        out[kind] = {"true": int((sub & true).sum()), "linked": int((sub & right & true).sum()),
                     "review": int((sub & true & (both["status"] == "review")).sum())}
    return out


def score_warnings(truth_dir: Path, warnings: pd.DataFrame, files: set[str] | None = None) -> dict:
    """Recall of planted risks (household and risk type), and warnings on all-benign households.

    A household is all-benign when none of its truth rows carries a planted risk; a warning on
    such a household is false. Leads (no household) are counted apart.
    """
    truth = _landed(_read(truth_dir / "warnings.csv"), files)
    planted = truth[truth["household_no"] != ""]
    want = set(zip(planted["household_no"], planted["risk_type"]))
    # Rules on the roster itself (labour capacity, income) count where the truth plants them
    # (department registry); a truth without them scores the feeds' warnings only.
    if not (truth["department"] == "registry").any():
        feeds = set(_read(truth_dir / "files.csv")["source_file"])
        from_feed = warnings["sources"].map(lambda s: any(part.split("#")[0].strip() in feeds
                                                          for part in s.split(";")))
    else:
        from_feed = pd.Series(True, index=warnings.index)
    roster_only = int((~from_feed).sum())
    warnings = warnings[from_feed]
    issued = warnings[warnings["household_id"] != ""]
    got = set(zip(issued["household_id"], issued["risk_type"]))
    risky = set(planted["household_no"])
    benign_hit = sorted({h for h in issued["household_id"] if h not in risky})
    return {
        "planted": len(want), "found": len(want & got),
        "recall": round(len(want & got) / len(want), 4) if want else 1.0,
        "warnings": len(warnings), "on_benign_households": len(benign_hit),
        "beyond_planted": len(got - want),
        "leads_planted": int((truth["household_no"] == "").sum()),
        "leads_issued": int((warnings["household_id"] == "").sum()),
        "roster_rule_warnings": roster_only,
    }


def score_alerts(truth_dir: Path, alerts: pd.DataFrame) -> dict:
    """Alerts against truth/alerts.csv by place and risk type; per kind of planted shock."""
    truth = _read(truth_dir / "alerts.csv")
    if "kind" not in truth.columns:
        truth["kind"] = "event"

    def place(frame: pd.DataFrame) -> set:
        return set(zip(frame["township"], frame["village"], frame["risk_type"]))

    want, got = place(truth), place(alerts)
    found = want & got
    kinds = {}
    for kind, group in truth.groupby("kind"):
        mine = place(group)
        kinds[kind] = {"planted": len(mine), "found": len(mine & got)}
    return {
        "planted": len(want), "raised": len(got), "found": len(found),
        "precision": round(len(found) / len(got), 4) if got else 1.0,
        "recall": round(len(found) / len(want), 4) if want else 1.0,
        "beyond": sorted("/".join(p) for p in got - want), "by_kind": kinds,
    }


def score(truth_dir: Path | str, links: Path | str, warnings: Path | str, alerts: Path | str,
          landing: Path | str | None = None) -> dict:
    """Every score of one run, from the export CSVs and the truth folder; with ``landing``, only
    the truth of the files in that folder (a run given some of the county's feeds)."""
    truth_dir = Path(truth_dir)
    files = {p.name for p in Path(landing).iterdir()} if landing else None
    link_rows = _read(links)
    return {
        "links": score_links(truth_dir, link_rows, files),
        "warnings": score_warnings(truth_dir, _read(warnings), files),
        "alerts": score_alerts(truth_dir, _read(alerts)),
    }


def main(argv: list[str] | None = None) -> int:
    """Print the scores of one run (a table, or JSON with --json)."""
    p = argparse.ArgumentParser(prog="python -m shouwang_tools.demo.score", description=__doc__.split("\n")[0])
    p.add_argument("--truth", required=True, type=Path, help="the generated county's truth folder")
    for name in ("links", "warnings", "alerts"):
        p.add_argument(f"--{name}", required=True, type=Path, help=f"shouwang export {name} CSV")
    p.add_argument("--landing", type=Path, help="score only the truth of the files in this folder")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    result = score(args.truth, args.links, args.warnings, args.alerts, args.landing)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    li, wa, al = result["links"], result["warnings"], result["alerts"]
    print(f"links     precision {li['precision']:.4f}  recall {li['recall']:.4f}  "
          f"review {li['review']} ({li['review_share']:.2%})  auto {li['auto']} of {li['true_links']} true")
    for kind, v in li["by_kind"].items():
        print(f"  {kind:<22} linked {v['linked']}/{v['true']}  review {v['review']}")
    print(f"warnings  recall {wa['recall']:.4f} ({wa['found']}/{wa['planted']})  "
          f"on all-benign households {wa['on_benign_households']}  leads {wa['leads_issued']}/{wa['leads_planted']}  "
          f"(+{wa['roster_rule_warnings']} from roster rules, not scored)")
    print(f"alerts    precision {al['precision']:.4f}  recall {al['recall']:.4f}  raised {al['raised']}, "
          f"planted {al['planted']} {al['by_kind']}  beyond: {', '.join(al['beyond']) or '-'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
