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
        chat_prefix_tokens: the number of ids :meth:`apply_chat_template` gives everything before the
            last message's content (the real template's length), or None to hash it like the rest.
    """

    def __init__(self, vocab_size: int, model_max_length: int, pad_id: int = 0, eos_id: int | None = None,
                 bos_id: int | None = None, content_ids: tuple[int, int] | None = None,
                 chat_prefix_tokens: int | None = None):
        low, high = content_ids or (0, vocab_size)
        if not 0 <= low < high <= vocab_size:
            raise ValueError(f"content_ids {content_ids} must lie inside the vocabulary of {vocab_size}")
        self.vocab_size, self.model_max_length = int(vocab_size), int(model_max_length)
        self.pad_token_id, self.eos_token_id, self.bos_token_id = pad_id, eos_id, bos_id
        self._low, self._span = int(low), int(high - low)
        self.chat_prefix_tokens = chat_prefix_tokens
        #: "right" or "left" (a pipeline may set it, as LTX-2's does); the pad and end tokens' text, which
        #: pipelines check for before padding
        self.padding_side = "right"
        self.pad_token, self.eos_token = "<pad>", "</s>" if eos_id is not None else None

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
        return self._pad(rows, padding, max_length, return_attention_mask, return_tensors)

    def _pad(self, rows: list[list[int]], padding: bool | str, max_length: int | None,
             return_attention_mask: bool | None, return_tensors: str | None) -> Encoding:
        if padding == "max_length":
            width = max_length if max_length is not None else self.model_max_length
        elif padding in (True, "longest") or return_tensors == "pt":  # tensors need equal rows
            width = max(len(r) for r in rows)
        else:
            width = 0
        if self.padding_side == "left":  # the prompt's ids last (Gemma's chat-style padding)
            masks = [[0] * max(0, width - len(r)) + [1] * len(r) for r in rows]
            rows = [[self.pad_token_id] * max(0, width - len(r)) + r for r in rows]
        else:
            masks = [[1] * len(r) + [0] * max(0, width - len(r)) for r in rows]
            rows = [r + [self.pad_token_id] * max(0, width - len(r)) for r in rows]
        out = Encoding(input_ids=rows)
        if return_attention_mask is not False:
            out["attention_mask"] = masks
        if return_tensors == "pt":
            import torch

            out = Encoding({k: torch.tensor(v, dtype=torch.long) for k, v in out.items()})
        return out

    def apply_chat_template(self, conversation: Any, add_generation_prompt: bool = False, tokenize: bool = True,
                            return_dict: bool = False, padding: bool | str = False, max_length: int | None = None,
                            truncation: bool | str = False, return_tensors: str | None = None,
                            **_ignored: Any) -> Any:
        """A chat (``[{"role", "content"}, ...]``, or a list of them) in the ChatML layout of Qwen's
        template (``<|im_start|>role\\ncontent<|im_end|>``), tokenized like a prompt.

        With ``chat_prefix_tokens`` set, everything before the last message's content takes exactly
        that many ids, as it does with the real tokenizer: pipelines crop that many positions off the
        encoder's output (HunyuanVideo-1.5's 108), which must then leave the prompt's own tokens.
        """
        chats = [conversation] if conversation and isinstance(conversation[0], dict) else list(conversation)
        rendered = []
        for chat in chats:
            head = "".join(f"<|im_start|>{m['role']}\n{_content(m['content'])}<|im_end|>\n" for m in chat[:-1])
            last = chat[-1]
            head += f"<|im_start|>{last['role']}\n"
            tail = "<|im_end|>\n" + ("<|im_start|>assistant\n" if add_generation_prompt else "")
            rendered.append((head, _content(last["content"]), tail))
        if not tokenize:
            texts = ["".join(parts) for parts in rendered]
            return texts if len(texts) > 1 else texts[0]
        rows = []
        for head, body, tail in rendered:
            prefix = self.piece_ids(head)
            if self.chat_prefix_tokens is not None:
                n = self.chat_prefix_tokens
                prefix = (prefix * (n // max(1, len(prefix)) + 1))[:n] if prefix else [self.pad_token_id] * n
            row = prefix + self.piece_ids(body) + self.piece_ids(tail)
            rows.append(row[:max_length] if truncation and max_length is not None else row)
        out = self._pad(rows, padding, max_length, None, return_tensors)
        return out if return_dict else out["input_ids"]

    def batch_decode(self, ids: Any, **_ignored: Any) -> list[str]:
        """Placeholders: hashed ids cannot be turned back into text (used by pipelines' truncation warnings)."""
        rows = ids.tolist() if hasattr(ids, "tolist") else list(ids)
        return [" ".join(f"<{i}>" for i in row) for row in rows]


def _content(content: Any) -> str:
    """A chat message's text: a string, or the ``text`` parts of a list of typed parts."""
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))
