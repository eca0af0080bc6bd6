"""Writing outputs (kaohe.io): the fast CSV writer gives pandas' bytes; a forked writer reports back."""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kaohe.io
from kaohe.io import Background, write_csv

FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 0.1 + 0.2, 85.884, 1e16, 1e-5, 5e-324, 1e22, 123456789.125]),
)
TEXTS = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6),
    st.sampled_from(["", "a,b", 'say "hi"', "two\nlines", "cr\rhere", " padded ", "示例单位", "1.0", "nan"]),
)


@st.composite
def tables(draw) -> pd.DataFrame:
    n = draw(st.integers(0, 12))
    kinds = draw(st.lists(st.sampled_from(["float", "int", "bool", "Int64", "string", "object"]), min_size=1, max_size=5))
    columns = {}
    for j, kind in enumerate(kinds):
        if kind == "float":
            column = pd.Series(draw(st.lists(FLOATS, min_size=n, max_size=n)), dtype=float)
        elif kind == "int":
            column = pd.Series(draw(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=n, max_size=n)), dtype="int64")
        elif kind == "bool":
            column = pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
        elif kind == "Int64":
            column = pd.Series(draw(st.lists(st.none() | st.integers(-1000, 1000), min_size=n, max_size=n)), dtype="Int64")
        elif kind == "string":
            column = pd.Series(draw(st.lists(st.none() | TEXTS, min_size=n, max_size=n)), dtype="string")
        else:
            column = pd.Series(draw(st.lists(st.none() | TEXTS, min_size=n, max_size=n)), dtype=object)
        columns[draw(st.sampled_from([f"c{j}", f'名,"{j}"']))] = column
    return pd.DataFrame(columns)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tables())
def test_write_csv_writes_what_pandas_writes(tmp_path, table):
    table.to_csv(tmp_path / "pandas.csv", index=False, lineterminator="\n", encoding="utf-8")
    write_csv(table, tmp_path / "kaohe.csv")
    assert (tmp_path / "kaohe.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


def twice(x):
    return 2 * x


def failing():
    raise ValueError("坏了")


class NeedsTwo(Exception):
    def __init__(self, a, b):
        super().__init__(f"{a}/{b}")


def failing_oddly():
    raise NeedsTwo(1, 2)


@pytest.fixture(autouse=True)
def forking(monkeypatch):
    """Fork even though the test process may have other threads (the browser tests' driver)."""
    monkeypatch.setattr(kaohe.io, "can_fork", lambda: True)


@pytest.mark.parametrize("fork", [True, False])
def test_background_returns_the_value_or_raises_the_exception(fork):
    with Background("x", twice, 21, fork=fork) as job:
        assert job.result() == 42
    with pytest.raises(ValueError, match="坏了"), Background("x", failing, fork=fork) as job:
        job.result()


def test_an_exception_that_cannot_be_pickled_arrives_as_its_text():
    with pytest.raises(RuntimeError, match=r"NeedsTwo\('1/2'\)"), Background("x", failing_oddly) as job:
        job.result()


def test_leaving_early_ends_the_forked_copy():
    with pytest.raises(KeyError), Background("x", time.sleep, 60) as job:
        pid = job._pid
        raise KeyError("the parent fails first")
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # ended and reaped
