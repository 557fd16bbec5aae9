"""Quality scoring, its own stage after the harness (layer 4): each stored run's video against its
reference run's video, and FVD per configuration, written into the records.

* :mod:`~vbench.scoring.session` -- :func:`score_session`, one session file scored in place
"""

from vbench.scoring.session import ScoreResult, score_session

__all__ = ["ScoreResult", "score_session"]
