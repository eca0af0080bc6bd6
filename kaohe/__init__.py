"""kaohe: the yearly key-work assessment of 绍兴市总工会, from input workbooks to the report."""

from .pipeline import Results, load_year, score, score_year
from .problems import InvalidInputError, KaoheError, Problem, SchemeError, UsageError
from .scheme import Scheme, load_scheme
from .inputs import YearInputs, read_year

# the analysis functions load plotly (the charts) and krippendorff: imported when first used, so that
# ``kaohe score`` does not pay for them
_ANALYSIS = {"gap_to_excellent": ".analysis.gaps", "raters": ".analysis.raters", "uncertainty": ".analysis.uncertainty"}


def __getattr__(name: str):
    if name == "__version__":
        from .version import version

        return version()
    if name in _ANALYSIS:
        from importlib import import_module

        return getattr(import_module(_ANALYSIS[name], __name__), name)
    raise AttributeError(f"module 'kaohe' has no attribute {name!r}")


__all__ = [
    "__version__",
    "InvalidInputError",
    "KaoheError",
    "Problem",
    "Results",
    "Scheme",
    "SchemeError",
    "UsageError",
    "YearInputs",
    "gap_to_excellent",
    "load_scheme",
    "load_year",
    "raters",
    "read_year",
    "score",
    "score_year",
    "uncertainty",
]
