"""A tokenizer that needs no vocabulary file: token ids are hashes of the prompt's pieces.

``source: arch`` runs the published text encoders with random weights, and no tokenizer may be
downloaded. The ids a real tokenizer would give carry no meaning for random weights; what
matters for speed and memory is that the encoder runs on the sequence length the pipeline
pads to, with the prompt's tokens marked in the attention mask. :class:`HashTokenizer` answers
the calls diffusers' pipelines make on their tokenizers (``tokenizer(prompt, padding=...,
max_length=..., truncation=..., return_tensors="pt")``, ``.input_ids``, ``.attention_mask``,
``batch_decode``, ``model_max_length``), so each pipeline's own ``encode_prompt`` runs unchanged.

A prompt is split into words, punctuation marks and ``<|special|>`` markers (about one piece per
real token for English text); each piece becomes ``low + sha256(piece) mod (high - low)``. The same
prompt gives the same ids in any process; different prompts give different ids.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

_PIECES = re.compile(r"<\|[^|\s]*\|>|\w+|[^\w\s]|\n+")


class Encoding(dict):
    """What a tokenizer call returns: a dict whose keys are also attributes (like ``BatchEncoding``)."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


class HashTokenizer:
    """Deterministic ids from hashed prompt pieces, padded and masked like a real tokenizer.

    Args:
        vocab_size: size of the encoder's embedding table (every id is below it).
        model_max_length: the length ``padding="max_length"`` pads to when no ``max_length`` is given.
        pad_id: id of the padding positions (attention mask 0).
        eos_id: id appended after the prompt's pieces, or None.
        bos_id: id put before them, or None.
        content_ids: ``(low, high)``: the range prompt pieces are hashed into (kept clear of the specials).
    """

    def __init__(self, vocab_size: int, model_max_length: int, pad_id: int = 0, eos_id: int | None = None,
                 bos_id: int | None = None, content_ids: tuple[int, int] | None = None):
        low, high = content_ids or (0, vocab_size)
        if not 0 <= low < high <= vocab_size:
            raise ValueError(f"content_ids {content_ids} must lie inside the vocabulary of {vocab_size}")
        self.vocab_size, self.model_max_length = int(vocab_size), int(model_max_length)
        self.pad_token_id, self.eos_token_id, self.bos_token_id = pad_id, eos_id, bos_id
        self._low, self._span = int(low), int(high - low)

    def __repr__(self) -> str:
        return f"HashTokenizer(vocab_size={self.vocab_size}, model_max_length={self.model_max_length})"

    def piece_ids(self, text: str) -> list[int]:
        """The ids of ``text``'s pieces, without special tokens."""
        return [self._low + int.from_bytes(hashlib.sha256(p.encode()).digest()[:8], "little") % self._span
                for p in _PIECES.findall(text)]

    def _ids(self, text: str, add_special_tokens: bool, limit: int | None) -> list[int]:
        head = [self.bos_token_id] if add_special_tokens and self.bos_token_id is not None else []
        tail = [self.eos_token_id] if add_special_tokens and self.eos_token_id is not None else []
        body = self.piece_ids(text)
        if limit is not None:  # truncation keeps the special tokens, as Hugging Face tokenizers do
            body = body[:max(0, limit - len(head) - len(tail))]
        return head + body + tail

    def __call__(self, text: str | list[str], padding: bool | str = False, max_length: int | None = None,
                 truncation: bool | str = False, add_special_tokens: bool = True,
                 return_attention_mask: bool | None = None, return_tensors: str | None = None,
                 **_ignored: Any) -> Encoding:
        texts = [text] if isinstance(text, str) else list(text)
        limit = max_length if truncation and max_length is not None else None
        rows = [self._ids(t, add_special_tokens, limit) for t in texts]
        if padding == "max_length":
            width = max_length if max_length is not None else self.model_max_length
        elif padding in (True, "longest") or return_tensors == "pt":  # tensors need equal rows
            width = max(len(r) for r in rows)
        else:
            width = 0
        masks = [[1] * len(r) + [0] * max(0, width - len(r)) for r in rows]
        rows = [r + [self.pad_token_id] * max(0, width - len(r)) for r in rows]
        out = Encoding(input_ids=rows)
        if return_attention_mask is not False:
            out["attention_mask"] = masks
        if return_tensors == "pt":
            import torch

            out = Encoding({k: torch.tensor(v, dtype=torch.long) for k, v in out.items()})
        return out

    def batch_decode(self, ids: Any, **_ignored: Any) -> list[str]:
        """Placeholders: hashed ids cannot be turned back into text (used by pipelines' truncation warnings)."""
        rows = ids.tolist() if hasattr(ids, "tolist") else list(ids)
        return [" ".join(f"<{i}>" for i in row) for row in rows]
