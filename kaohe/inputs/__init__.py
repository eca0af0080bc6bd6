"""Reading and checking a year's inputs (SPEC §2): the files (:mod:`.files`), what the checks
share (:mod:`.context`), one check per table (:mod:`.checks`) and the story (:mod:`.year`)."""

from .context import closest, parse_numbers
from .files import RawTable, find_table, fold, fold_series, read_table
from .year import YearInputs, read_year

__all__ = ["RawTable", "YearInputs", "closest", "find_table", "fold", "fold_series", "parse_numbers", "read_table",
           "read_year"]
