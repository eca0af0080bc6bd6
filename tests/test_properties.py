"""Invariants of the scoring (SPEC §1) on random valid years, with hypothesis.

Years are drawn as clean :class:`YearInputs` tables (``strategies.years``) and scored with
:func:`kaohe.score`; two properties go through real files and :func:`kaohe.load_year`.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import kaohe
from kaohe.scheme import MODES, SCOPES
from strategies import any_names, cjk_names, renamed, shuffled, write_year, years

TIE_DECIMALS = 6
EPS = 1e-9
SCORE_COLUMNS = ["leader", "dept_raw", "dept", "grassroots", "common", "brand", "total"]
EXACT_COLUMNS = ["dept_rank", "rank", "vetoed", "veto_clauses", "proposed_grade", "grade"]

# scoring a year takes ~70 ms (pandas overhead), through files ~300 ms: the whole file runs in ~40 s
fast = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
paired = settings(fast, max_examples=35)  # two scorings per example
with_files = settings(fast, max_examples=15)


def competition_ranks(values) -> np.ndarray:
    """1 + the number of values strictly greater, after rounding to 6 decimals (SPEC §1)."""
    v = np.round(np.asarray(values, dtype=float), TIE_DECIMALS)
    return 1 + (v[None, :] > v[:, None]).sum(axis=1)


def rounded(values) -> np.ndarray:
    return np.round(np.asarray(values, dtype=float), TIE_DECIMALS)


def assert_same_scores(expected: kaohe.Results, actual: kaohe.Results, names: dict[str, str] | None = None):
    """Same numbers per unit (up to float noise), same ranks, grades and vetoes."""
    back = {new: old for old, new in (names or {}).items()}

    def by_unit(table: pd.DataFrame, keys=("unit",), renamed=False) -> pd.DataFrame:
        table = table.assign(unit=table["unit"].map(back)) if renamed and back else table
        return table.set_index(list(keys)).sort_index()

    a, b = by_unit(expected.results), by_unit(actual.results, renamed=True)
    assert list(a.index) == list(b.index)
    pd.testing.assert_frame_equal(a[SCORE_COLUMNS], b[SCORE_COLUMNS], check_exact=False, rtol=0, atol=EPS)
    pd.testing.assert_frame_equal(a[EXACT_COLUMNS], b[EXACT_COLUMNS])
    for table, keys in (("indicators", ["unit", "indicator"]), ("categories", ["unit", "category"])):
        columns = [c for c in ("points", "rank", "coef", "scaled") if c in getattr(expected, table)]
        pd.testing.assert_frame_equal(
            by_unit(getattr(expected, table), keys)[columns], by_unit(getattr(actual, table), keys, renamed=True)[columns],
            check_exact=False, rtol=0, atol=EPS,
        )


# -- ranks are competition ranks -------------------------------------------------------------


@fast
@given(years(min_units=2, min_clones=1, scope="total"))
def test_ranks_are_competition_ranks_with_forced_ties(inputs):
    results = kaohe.score(inputs)
    table, dept = results.results, results.dept
    # a clone copies every input of another unit: its total and its department points tie
    assert pd.Series(rounded(table["total"])).duplicated().any()
    assert pd.Series(rounded(dept["dept_raw"])).duplicated().any()
    assert table["rank"].tolist() == competition_ranks(table["total"]).tolist()
    assert dept["dept_rank"].astype(int).tolist() == competition_ranks(dept["dept_raw"]).tolist()


# -- every score stays in 0–100 ----------------------------------------------------------------


@fast
@given(years(), st.sampled_from(SCOPES), st.sampled_from(MODES))
def test_every_score_stays_in_range_in_every_scope_and_mode(inputs, scope, mode):
    scheme = inputs.scheme.with_options(dept_ranking=replace(inputs.scheme.dept_ranking, scope=scope, mode=mode))
    results = kaohe.score(inputs, scheme)
    table = results.results
    assert len(table) == len(inputs.units)
    for column in SCORE_COLUMNS:
        assert table[column].notna().all(), column
        assert table[column].between(-EPS, 100 + EPS).all(), (column, table[column].tolist())
    for parts in (results.indicators, results.categories):
        assert parts["points"].notna().all()
        assert (parts["points"] >= -EPS).all() and (parts["points"] <= parts["max"] + EPS).all()
        if "scaled" in parts:
            assert parts["coef"].between(0, 1).all()
            assert (parts["scaled"] >= -EPS).all() and (parts["scaled"] <= parts["max"] + EPS).all()
    maxima = results.categories.groupby("category")["max"].first()
    assert maxima.to_dict() == {c.id: pytest.approx(c.max) for c in scheme.categories}
    if scope != "total":  # each part is ranked on its own, and dept_rank / dept_coef stay empty
        parts = results.categories if scope == "category" else results.indicators
        for _, part in parts.groupby(scope):
            assert part["rank"].tolist() == competition_ranks(part["points"]).tolist()
            coef = np.maximum(0, 1 - scheme.dept_ranking.step * (part["rank"] - 1))
            assert part["coef"].to_numpy() == pytest.approx(coef.to_numpy())
        assert table["dept_rank"].isna().all() and table["dept_coef"].isna().all()


# -- reordering rows or renaming units changes nothing -----------------------------------------


@paired
@given(years(), st.integers(0, 2**32 - 1), st.booleans())
def test_reordering_rows_changes_nothing(inputs, seed, keep_index):
    before = {name: getattr(inputs, name).copy() for name in ("units", "values", "leader", "brand_reviews")}
    expected = kaohe.score(inputs)
    assert_same_scores(expected, kaohe.score(shuffled(inputs, seed, keep_index=keep_index)))
    for name, table in before.items():  # scoring leaves its inputs alone
        pd.testing.assert_frame_equal(getattr(inputs, name), table)


@paired
@given(st.data())
def test_renaming_units_changes_nothing(data):
    inputs = data.draw(years())
    units = inputs.units["unit"].tolist()
    new = data.draw(st.lists(any_names, min_size=len(units), max_size=len(units), unique=True))
    names = dict(zip(units, new))
    expected, actual = kaohe.score(inputs), kaohe.score(renamed(inputs, names))
    assert_same_scores(expected, actual, names)
    # equal ranks keep the order of the units file, whatever the names
    assert actual.results["unit"].tolist() == [names[u] for u in expected.results["unit"]]


@with_files
@given(st.data())
def test_files_shuffled_and_renamed_give_the_same_results(data):
    inputs = data.draw(years())
    units = inputs.units["unit"].tolist()
    new = data.draw(st.lists(cjk_names, min_size=len(units), max_size=len(units), unique=True))
    names = dict(zip(units, new))
    changed = shuffled(renamed(inputs, names), data.draw(st.integers(0, 2**32 - 1)))
    with tempfile.TemporaryDirectory() as tmp:
        from_files = kaohe.load_year(inputs.year, write_year(changed, tmp))
    assert_same_scores(kaohe.score(inputs), from_files, names)


@with_files
@given(years())
def test_files_give_the_same_results_as_the_tables(inputs):
    with tempfile.TemporaryDirectory() as tmp:
        from_files = kaohe.load_year(inputs.year, write_year(inputs, tmp))
    expected = kaohe.score(inputs)
    assert_same_scores(expected, from_files)
    assert from_files.results["unit"].tolist() == expected.results["unit"].tolist()
    pd.testing.assert_frame_equal(from_files.inputs.values[["unit", "indicator", "value", "number"]], inputs.values)


# -- raising a unit's manual points never hurts it ---------------------------------------------


@paired
@given(st.data())
def test_raising_manual_points_never_lowers_the_unit(data):
    inputs = data.draw(years(need_manual=True))
    scheme = inputs.scheme
    manual = {i.id: i.max for i in scheme.indicators if i.rule.kind == "manual"}
    values = inputs.values
    room = values["indicator"].map(manual) - values["number"]
    candidates = values.index[room > 0]
    assume(len(candidates) > 0)
    row = data.draw(st.sampled_from(list(candidates)))
    top = manual[values.at[row, "indicator"]]
    old = values.at[row, "number"]
    new = min(top, old + data.draw(st.floats(0, room[row], exclude_min=True, allow_subnormal=False)))
    assume(new > old)
    raised = values.copy()
    raised.loc[row, ["value", "number"]] = [repr(new), new]
    unit = values.at[row, "unit"]

    before = kaohe.score(inputs).results.set_index("unit").loc[unit]
    after = kaohe.score(replace(inputs, values=raised)).results.set_index("unit").loc[unit]
    assert after["dept_raw"] >= before["dept_raw"]
    if scheme.dept_ranking.scope == "total":
        assert after["dept_rank"] <= before["dept_rank"]
    # in every scope and mode the rank coefficient only improves, so dept, total and rank too
    assert after["dept"] >= before["dept"]
    assert after["total"] >= before["total"]
    assert after["rank"] <= before["rank"]


# -- totals, ranks and grades are consistent ---------------------------------------------------


@fast
@given(years())
def test_totals_are_the_weighted_sums_and_grades_follow_the_quota(inputs):
    scheme = inputs.scheme
    results = kaohe.score(inputs)
    table = results.results
    w = scheme.component_weights
    common = w["leader"] * table["leader"] + w["dept"] * table["dept"] + w["grassroots"] * table["grassroots"]
    assert table["common"].to_numpy() == pytest.approx(common.to_numpy(), rel=0, abs=EPS)
    total = scheme.common_weight * table["common"] + scheme.brand_weight * table["brand"]
    assert table["total"].to_numpy() == pytest.approx(total.to_numpy(), rel=0, abs=EPS)
    if scheme.dept_ranking.scope == "total":
        coef = np.maximum(0, 1 - scheme.dept_ranking.step * (table["dept_rank"].astype(int) - 1))
        base = table["dept_raw"] if scheme.dept_ranking.mode == "scaled" else 100
        assert table["dept"].to_numpy() == pytest.approx((base * coef).to_numpy(), rel=0, abs=EPS)

    # ranks match totals: a higher total never has a worse rank, an equal total shares it
    r, rank = rounded(table["total"]), table["rank"].to_numpy()
    higher = r[:, None] > r[None, :]
    assert (rank[:, None] < rank[None, :])[higher].all()
    assert (rank[:, None] == rank[None, :])[r[:, None] == r[None, :]].all()
    # results.csv order: by rank, equal ranks in the order of the units file
    position = table["unit"].map({u: k for k, u in enumerate(inputs.units["unit"])})
    assert list(zip(table["rank"], position)) == sorted(zip(table["rank"], position))

    vetoed = table["vetoed"].to_numpy(bool)
    assert set(table.loc[vetoed, "unit"]) == set(inputs.vetoes["unit"])
    top = table["proposed_grade"].eq(scheme.top_grade).to_numpy()
    assert not (top & vetoed).any(), "a vetoed unit is never proposed 优秀"
    eligible = ~vetoed
    quota = scheme.quota
    if quota.kind == "min_total":
        assert (top == (eligible & (r >= quota.value))).all()
    else:
        n = len(table)
        k = round(quota.value * 100) * n // 100 if quota.kind == "share" else int(quota.value)
        k = min(k, int(eligible.sum()))
        if k == 0:
            assert not top.any()
        else:
            cutoff = r[top].min()
            # the proposed set is the top of the eligible units, never splitting a tie …
            assert (r[eligible & ~top] < cutoff).all()
            # … holding exactly k units, or more only when units tie at the cut-off total
            assert top.sum() >= k
            assert (r[top] > cutoff).sum() < k
            if top.sum() > k:  # then every unit tied at the cut-off is flagged for the meeting
                tied = top & (r == cutoff)
                assert tied.sum() > 1
                assert results.grades.set_index("unit").loc[table.loc[tied, "unit"], "at_cutoff"].all()
    decided = dict(zip(inputs.overrides["unit"], inputs.overrides["grade"]))
    expected = [decided.get(u, p) for u, p in zip(table["unit"], table["proposed_grade"])]
    assert table["grade"].tolist() == expected
    assert math.isfinite(results.cutoff) or not top.any()
