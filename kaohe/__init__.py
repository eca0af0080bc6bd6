"""kaohe: the yearly key-work assessment of 绍兴市总工会, from input workbooks to the report."""

from .version import VERSION as __version__

from .pipeline import Results, load_year, score, score_year  # noqa: E402
from .problems import InvalidInputError, KaoheError, Problem, SchemeError, UsageError  # noqa: E402
from .scheme import Scheme, load_scheme  # noqa: E402
from .validate import YearInputs, read_year  # noqa: E402

__all__ = [
    "InvalidInputError",
    "KaoheError",
    "Problem",
    "Results",
    "Scheme",
    "SchemeError",
    "UsageError",
    "YearInputs",
    "load_scheme",
    "load_year",
    "read_year",
    "score",
    "score_year",
]
