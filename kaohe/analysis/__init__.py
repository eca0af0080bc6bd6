"""Analysis of scored years: the report's charts and tables (:mod:`.charts`), the stability of the
ranking (:mod:`.sensitivity`) and the comparison of years (:mod:`.trends`)."""
