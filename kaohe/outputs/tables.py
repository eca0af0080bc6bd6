"""The outputs of SPEC §3 but the report: the CSV tables, results.xlsx and manifest.json.

Written into a folder that :mod:`kaohe.outputs.staging` puts in place as one set.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..scheme import scheme_to_dict
from ..version import version
from .xlsx import write_workbook

if TYPE_CHECKING:
    from ..pipeline import Results


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A machine-readable table: UTF-8, LF line ends, floats at full (round-trip) precision."""
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_outputs(results: "Results", folder: Path) -> list[Path]:
    """Write the tables of SPEC §3 (all but report.html) into ``folder``."""
    folder = Path(folder)
    paths = []
    for name, table in output_tables(results).items():
        path = folder / f"{name}.csv"
        write_csv(table, path)
        paths.append(path)
    paths.append(write_workbook(results, folder / "results.xlsx"))
    manifest = folder / "manifest.json"
    manifest.write_text(json.dumps(manifest_data(results), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    paths.append(manifest)
    return paths


OUTPUT_TABLES = ("results", "indicator_scores", "category_scores", "brand_scores")


def output_tables(results: "Results") -> dict[str, pd.DataFrame]:
    """The machine-readable tables of SPEC §3, English columns, as written to CSV."""
    table = results.results.copy()
    table["vetoed"] = table["vetoed"].map({True: "true", False: "false"})
    extra = ["rank", "coef", "scaled"]
    scope = results.scheme.dept_ranking.scope
    indicators = results.indicators[["unit", "indicator", "value", "points"] + (extra if scope == "indicator" else [])]
    categories = results.categories[["unit", "category", "points", "max"] + (extra if scope == "category" else [])]
    brand = results.brand_items[["unit", "item", "title", "reviews", "score"]]
    return {
        "results": table,
        "indicator_scores": indicators,
        "category_scores": categories,
        "brand_scores": brand,
    }


def manifest_data(results: "Results") -> dict:
    """What produced the outputs: package version, the scheme, the SHA-256 of every input."""
    return {
        "kaohe_version": version(),
        "year": results.year,
        "scheme": scheme_to_dict(results.scheme),
        "inputs": results.inputs.files,
        "warnings": len(results.warnings),
    }
