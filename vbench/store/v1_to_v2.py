"""The step from schema version 1 to 2: every quality score moves under ``quality.scores``.

Version 1 kept each score where its writer put it: ``quality.psnr.value`` beside its bookkeeping
(``videos``, ``net``, ``identical_frames``), the temporal scores as bare numbers in
``quality.temporal`` beside the reference's own values (``*_ref``) and tOF's window, FVD's value
beside its set (``n``, ``n_reference``, ``config_id`` …), reasons in ``quality.unavailable`` and
``quality.temporal.unavailable``. Readers had to guess which keys were scores. Version 2:

=========================================  =============================================
version 1                                  version 2
=========================================  =============================================
``quality.<m>.value`` (m: psnr ssim        ``quality.scores.<m>.value`` with ``unit``,
lpips fvd), ``.per_frame``, ``.unit``      ``higher_is_better``, ``per_frame``
``quality.<m>.<other>``                    ``quality.details.<m>.<other>``
``quality.temporal.<t>`` (a score)         ``quality.scores.<t>.value``
``quality.temporal.<x>_ref``,              ``quality.details.temporal.<x>_ref``,
``quality.temporal.tof_window``            ``quality.details.temporal.tof_window``
``quality.temporal.unavailable.all``       ``quality.unavailable.temporal``
``quality.temporal.unavailable.<t>``       ``quality.unavailable.<t>``
=========================================  =============================================

Nothing else in a record moved. A quality key this step does not know is kept under
``quality.details`` rather than dropped.
"""

from __future__ import annotations

from typing import Any

from vbench.record import BY_NAME, number, score

Record = dict[str, Any]

#: Keys of a version-1 quality dict that describe the scoring, not a metric.
_HEADER = ("reference_run_id", "scored_at", "device", "traceback")
#: Sub-keys of a version-1 metric entry that are its score, not bookkeeping.
_SCORE_KEYS = ("value", "unit", "per_frame")


def upgrade(record: Record) -> Record:
    """A version-1 record as version 2 (``schema_version`` is set by the caller)."""
    quality = record.get("quality")
    if not isinstance(quality, dict):
        return record
    out: dict[str, Any] = {k: quality[k] for k in _HEADER if k in quality}
    scores: dict[str, Any] = {}
    details: dict[str, Any] = {}
    unavailable: dict[str, str] = dict(quality.get("unavailable") or {})
    for name, entry in quality.items():
        if name in _HEADER or name == "unavailable":
            continue
        if name == "temporal" and isinstance(entry, dict):
            _temporal(entry, scores, details, unavailable)
        elif isinstance(entry, dict) and name in BY_NAME:
            per_frame = entry.get("per_frame")
            scores[name] = score(name, number(entry.get("value")),
                                 per_frame if isinstance(per_frame, list) else None)
            rest = {k: v for k, v in entry.items() if k not in _SCORE_KEYS}
            if rest:
                details[name] = rest
        elif name in BY_NAME and (number(entry) is not None or entry is None):
            scores[name] = score(name, number(entry))
        else:
            details[name] = entry
    out.update(scores=scores, details=details, unavailable=unavailable)
    return {**record, "quality": out}


def _temporal(entry: dict, scores: dict, details: dict, unavailable: dict) -> None:
    for key, why in (entry.get("unavailable") or {}).items():
        unavailable["temporal" if key == "all" else key] = why
    for key, value in entry.items():
        if key == "unavailable":
            continue
        if key in BY_NAME and BY_NAME[key].group == "quality":
            scores[key] = score(key, number(value))
        else:
            details.setdefault("temporal", {})[key] = value
