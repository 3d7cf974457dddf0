"""Data Docs: one static HTML page per validated batch, rendered from the GX result."""
from __future__ import annotations

from pathlib import Path

from great_expectations.render.renderer import ValidationResultsPageRenderer
from great_expectations.render.view import DefaultJinjaPageView

from warehouse.masking import mask_text


def write_page(result, department: str, docs_dir: Path) -> Path:
    """Render ``result`` to ``docs_dir/<department>_<run time>.html`` and return the path.

    The result carries no unexpected values (see runtime.RESULT_FORMAT); the page is still
    passed through the ID/phone mask in case a future renderer shows something new.
    """
    document = ValidationResultsPageRenderer().render(result)
    html = mask_text(DefaultJinjaPageView().render(document))
    run_time = result.meta["run_id"].run_time
    docs_dir = Path(docs_dir)
    docs_dir.mkdir(parents=True, exist_ok=True)
    path = docs_dir / f"{department}_{run_time:%Y%m%dT%H%M%S%f}.html"
    path.write_text(html, encoding="utf-8")
    return path
