"""kaohe: the yearly key-work assessment of 绍兴市总工会, from input workbooks to the report."""

from .version import VERSION as __version__

from .analysis.gaps import gap_to_excellent
from .analysis.raters import raters
from .analysis.uncertainty import uncertainty
from .pipeline import Results, load_year, score, score_year
from .problems import InvalidInputError, KaoheError, Problem, SchemeError, UsageError
from .scheme import Scheme, load_scheme
from .inputs import YearInputs, read_year

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
