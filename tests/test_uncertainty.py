"""kaohe.uncertainty: every source of doubt drawn at once, seeded, and what each explains."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import kaohe
from kaohe.analysis.sensitivity import method_ranks
from kaohe.analysis.uncertainty import SOURCES
from kaohe.scoring import quota_size


@pytest.fixture(scope="module")
def sample(sample_data):
    return kaohe.load_year(2019, sample_data)


@pytest.fixture(scope="module")
def drawn(sample):
    return kaohe.uncertainty(sample, draws=400, seed=7)


def test_the_same_seed_gives_the_same_numbers(sample, drawn):
    again = kaohe.uncertainty(sample, draws=400, seed=7)
    assert again.units.equals(drawn.units) and again.sources.equals(drawn.sources)
    assert not kaohe.uncertainty(sample, draws=400, seed=8).units.equals(drawn.units)


def test_p_excellent_sums_to_at_least_the_quota_and_vetoed_units_have_none(sample, drawn):
    units = drawn.units.set_index("unit")
    assert units["p_excellent"].sum() >= quota_size(sample.scheme.quota, len(units)) - 1e-9
    for unit in sample.inputs.vetoes["unit"]:
        assert units.at[unit, "p_excellent"] == 0
    assert (units["rank_p05"] <= units["rank_p50"]).all() and (units["rank_p50"] <= units["rank_p95"]).all()
    assert drawn.units["unit"].tolist() == sample.results["unit"].tolist()


def test_every_source_explains_part_of_the_rank_variance(drawn):
    sources = drawn.sources.set_index("source")
    assert list(sources.index) == list(SOURCES)
    assert (sources["total"] >= sources["first_order"] - 0.05).all() and (sources["total"] > 0).all()
    assert sources["first_order"].sum() <= 1.1


def test_with_no_source_of_doubt_the_draws_are_the_full_scorers_result(sample):
    still = kaohe.uncertainty(sample, draws=20, seed=1, sources=()).units.set_index("unit")
    official = sample.results.set_index("unit")
    assert (still["rank_p05"] == official["rank"]).all() and (still["rank_p95"] == official["rank"]).all()
    proposed = official["proposed_grade"].eq(sample.scheme.top_grade).astype(float)
    assert np.array_equal(still["p_excellent"].to_numpy(), proposed.reindex(still.index).to_numpy())


def test_drawing_the_readings_alone_gives_only_the_full_scorers_ranks_under_them(sample):
    ranks = method_ranks(sample.inputs).groupby("unit")["rank"].agg(["min", "max"])
    only = kaohe.uncertainty(sample, draws=200, seed=3, sources=("methods",)).units.set_index("unit")
    assert (only["rank_p05"] >= ranks["min"].reindex(only.index)).all()
    assert (only["rank_p95"] <= ranks["max"].reindex(only.index)).all()


def test_a_unit_with_2_respondents_gets_a_wider_grassroots_interval_than_with_all(sample):
    unit = sample.results["unit"].iloc[3]
    survey = sample.inputs.survey
    mine = survey.index[survey["unit"].astype(str).eq(unit)]
    assert len(mine) >= 10
    fewer = survey.drop(index=mine[2:])
    shrunk = kaohe.score(replace(sample.inputs, survey=fewer.reset_index(drop=True)))
    width = {name: (u := kaohe.uncertainty(r, draws=400, seed=5, sources=("survey",)).units.set_index("unit"))
             .at[unit, "grassroots_p95"] - u.at[unit, "grassroots_p05"] for name, r in (("all", sample), ("two", shrunk))}
    assert width["two"] > width["all"]


def test_the_draws_are_scheme_settings_with_defaults(sample):
    from kaohe.scheme import parse_scheme, scheme_to_dict

    data = scheme_to_dict(sample.scheme)
    assert data["uncertainty"] == {"draws": 1000, "seed": 2019, "weight_spread": 0.2,
                                   "sources": ["weights", "methods", "survey", "brand", "leader"]}
    fewer = parse_scheme({**data, "uncertainty": {"draws": 50, "seed": 4, "sources": ["survey", "brand"]}})
    drawn = kaohe.uncertainty(kaohe.score(sample.inputs, fewer))
    assert drawn.draws == 50 and drawn.seed == 4 and drawn.sources["source"].tolist() == ["survey", "brand"]
    with pytest.raises(kaohe.SchemeError) as caught:
        parse_scheme({**data, "uncertainty": {"sources": ["weather"]}})
    assert caught.value.problems[0].column == "uncertainty.sources"


def test_the_draws_agree_with_the_full_scorer(sample):
    """A few draws of the weights, the readings, the members and the reviews, replayed as
    inputs and scored by kaohe.score, give the totals the vectorised draws gave."""
    from kaohe.analysis.uncertainty import replay

    official = sample.totals.set_index("unit")["total"]
    for draw in replay(sample, draws=3, seed=11):
        scored = kaohe.score(draw.inputs, draw.scheme).totals.set_index("unit")["total"].reindex(draw.units)
        assert not np.allclose(draw.totals, official.reindex(draw.units).to_numpy())  # a real draw, not the year
        assert np.allclose(scored.to_numpy(), draw.totals, atol=1e-9)
