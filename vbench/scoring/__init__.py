"""Quality scoring, its own stage after the harness (layer 4): each stored run's video against its
reference run's video, and FVD per configuration, written into the records.

* :mod:`~vbench.scoring.session` -- :func:`score_session`, one session file scored in place
* :mod:`~vbench.scoring.overlap` -- :class:`OverlapScorer`, a sweep's runs scored while it loads and builds,
  never while it times
"""

from vbench.scoring.session import ScoreResult, score_session

__all__ = ["ScoreResult", "score_session"]
