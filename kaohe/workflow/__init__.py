"""The analysts' yearly workflow around the scoring: the blank input workbooks
(:mod:`.templates`, ``kaohe template``), the survey draw (:mod:`.sampling`, ``kaohe sample``), a
new year (:mod:`.new_year`, ``kaohe new-year``) and a new workspace (:mod:`.workspace`,
``kaohe init``); :mod:`.common` holds what they share."""
