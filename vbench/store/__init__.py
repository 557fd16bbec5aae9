"""The results store: schema-versioned, append-only JSON-lines records and content-addressed videos.

Layer 2: imports only :mod:`vbench.record`, :mod:`vbench.errors`, the standard library, numpy and
pandas (never torch), so reports and comparisons read results without a GPU stack.

* :mod:`~vbench.store.layout` -- where files live (``<out_dir>/<scenario>/<session>.jsonl``)
* :mod:`~vbench.store.jsonl` -- the crash-safe :class:`RecordWriter`, :func:`read_records`, and
  :func:`~vbench.store.jsonl.replace_lines` (the one atomic rewrite of record lines)
* :mod:`~vbench.store.pytest_json` -- records inside pytest-benchmark ``.json`` files
* :mod:`~vbench.store.reading` -- :func:`read_all`: every results file under some paths, either format
* :mod:`~vbench.store.read_result` -- :class:`ReadResult` and :class:`ReadProblem`, what every reader returns
* :mod:`~vbench.store.schema` -- required keys and the ``schema_version`` check
* :mod:`~vbench.store.migrate` -- upgrading records written by an older vbench
* :mod:`~vbench.store.videos` -- :class:`OutputStore`, videos addressed by sha256
* :mod:`~vbench.store.resume` -- :func:`completed_run_ids` for ``vbench run --resume``
"""

from vbench.store.jsonl import RecordWriter, read_records
from vbench.store.layout import find_result_files, new_session_name, outputs_dir, session_path
from vbench.store.migrate import migrate_file, migrate_record
from vbench.store.read_result import ReadProblem, ReadResult
from vbench.store.reading import read_all
from vbench.store.resume import completed_run_ids
from vbench.store.schema import REQUIRED_KEYS
from vbench.store.videos import OutputStore, video_hash

__all__ = [
    "REQUIRED_KEYS",
    "OutputStore",
    "ReadProblem",
    "ReadResult",
    "RecordWriter",
    "completed_run_ids",
    "find_result_files",
    "migrate_file",
    "migrate_record",
    "new_session_name",
    "outputs_dir",
    "read_all",
    "read_records",
    "session_path",
    "video_hash",
]
