"""Writing a year's outputs (SPEC §3): the tables (:mod:`.tables`), results.xlsx and the problem
list (:mod:`.xlsx`), all put in place as one set through :mod:`.staging`."""

from .staging import BusyError, OutputError, locked, staged, write_text
from .tables import OUTPUT_TABLES, output_tables, write_csv, write_outputs
from .xlsx import ranking_table, write_problems, write_workbook

__all__ = ["OUTPUT_TABLES", "BusyError", "OutputError", "locked", "output_tables", "ranking_table", "staged",
           "write_csv", "write_outputs", "write_problems", "write_text", "write_workbook"]
