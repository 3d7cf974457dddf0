"""One landing lister: Airflow lists exactly the feeds the CLI ingests, never the roster."""
from connectors.sources import LandingSource
from shouwang.orchestration.landing import landed_files

PERIOD = "2026-10"


def test_cli_and_airflow_list_the_same_landing_feeds_without_the_roster(tmp_path):
    (tmp_path / f"卫健_{PERIOD}.csv").write_bytes("姓名,身份证号\n".encode("utf-8"))
    (tmp_path / f"water_{PERIOD}.csv").write_bytes(b"a,b\n")
    (tmp_path / f"花名册_{PERIOD}.csv").write_bytes("户编号,姓名\n".encode("gb18030"))
    (tmp_path / f"民政_2026-09.csv").write_bytes(b"last month")

    # What `shouwang ingest --landing` loads (connectors.ingest.ingest_landing) ...
    cli = [(f.department, f.period, tuple(p.name for p in f.paths))
           for f in LandingSource(tmp_path).feeds(PERIOD)]
    # ... and what feed_ingest maps one task over.
    airflow = [(f["department"], f["period"], (f["name"], *f["others"]))
               for f in landed_files(tmp_path, PERIOD)]

    assert sorted(cli) == sorted(airflow) == [
        ("health", PERIOD, (f"卫健_{PERIOD}.csv",)), ("water", PERIOD, (f"water_{PERIOD}.csv",))]
    assert all("registry" != dept for dept, _, _ in airflow)
