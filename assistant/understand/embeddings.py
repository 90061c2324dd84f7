"""Dense word knowledge the intents files cannot list: a static word-piece vector table.

The classifier learns from the intents folder's own sentences, so on its own it knows only their
words. People use others: "suspend the timer", "the respiration together", "erase the last entry".
Here every word (any word: it is split into word pieces) gets a vector from a table distilled
from a sentence transformer (`tools/distill_vectors.py`), in which "suspend" lies near "pause"
and "respiration" near "breathing". A sentence's vector is the mean of its pieces' vectors, unit
length, as model2vec computes it; the classifier uses it beside the sparse word features.

Light on purpose: `tokenizers` (the word-piece split, Rust) and `safetensors` read the table;
no torch. A language without a table simply has no dense features.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from assistant.understand.language import base_language

FOLDER = Path(__file__).resolve().parent / "vectors"
"""Tables by language code: `vectors/<lang>/vectors.safetensors` and `tokenizer.json`."""
MEMO = 50_000
"""Most words whose vectors are remembered (queries repeat words; the memo is cleared when full)."""


class WordVectors:
    """Word -> vector and sentence -> vector, from one language's table.

    The table and the word-piece tokenizer are read on first need: the words of the intents files
    have their vectors in the matcher's on-disk cache (`export` / `absorb`), so a process that only
    hears known words never opens them (a fresh `tandem understand` stays quick).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._vectors: np.ndarray | None = None
        self._scales: np.ndarray | None = None
        self._tokenizer = None
        self._dims: int | None = None
        self._sums: dict[str, tuple[np.ndarray, int]] = {}
        """Word -> (sum of its pieces' vectors, number of pieces)."""

    @classmethod
    def for_language(cls, language: str, root: Path = FOLDER) -> "WordVectors | None":
        """The table of `language` ("en", "en-GB"), or None when Tandem ships none for it."""
        folder = root / base_language(language)
        if not (folder / "vectors.safetensors").is_file():
            return None
        return cls(folder)

    @property
    def dims(self) -> int:
        if self._dims is None:
            self._load()
        assert self._dims is not None
        return self._dims

    def _load(self) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        arrays = load_file(str(self.folder / "vectors.safetensors"))
        self._vectors = arrays["vectors"]
        self._scales = arrays["scales"].astype(np.float32)
        self._dims = int(self._vectors.shape[1])
        tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.no_truncation()
        self._tokenizer = tokenizer

    def _sum(self, word: str) -> tuple[np.ndarray, int]:
        """The sum of a word's piece vectors and how many pieces it has (memoised)."""
        found = self._sums.get(word)
        if found is None:
            if self._tokenizer is None:
                self._load()
            assert self._tokenizer is not None and self._vectors is not None and self._scales is not None
            ids = np.asarray(self._tokenizer.encode(word, add_special_tokens=False).ids, dtype=np.int64)
            rows = self._vectors[ids].astype(np.float32) * self._scales[ids, None]
            found = (rows.sum(axis=0) if len(ids) else np.zeros(self.dims, dtype=np.float32), len(ids))
            if len(self._sums) > MEMO:
                self._sums.clear()
            self._sums[word] = found
        return found

    def is_word(self, word: str) -> bool:
        """Whether the table's vocabulary holds `word` whole (a real word of the language, not a slip)."""
        if self._tokenizer is None:
            self._load()
        assert self._tokenizer is not None
        return self._tokenizer.token_to_id(word) is not None

    def word(self, word: str) -> np.ndarray:
        """One word's vector (the mean of its pieces), unit length; zeros for a word of no pieces."""
        return _unit(self._sum(word)[0])

    def sentence(self, words: Sequence[str]) -> np.ndarray:
        """The mean of every piece of every word, unit length (zeros when there are none)."""
        sums = [self._sum(w) for w in words]
        count = sum(n for _, n in sums)
        if not count:
            return np.zeros(self.dims, dtype=np.float32)
        return _unit(np.sum([v for v, n in sums if n], axis=0))

    def export(self, words: Sequence[str]) -> dict[str, np.ndarray]:
        """The piece sums of `words`, as arrays for the matcher's cache."""
        sums = [self._sum(w) for w in words]
        return {"vector_words": np.array(list(words), dtype=str),
                "vector_sums": np.stack([v for v, _ in sums]).astype(np.float32) if sums
                else np.zeros((0, self.dims), dtype=np.float32),
                "vector_counts": np.array([n for _, n in sums], dtype=np.int64)}

    def absorb(self, arrays: dict[str, np.ndarray]) -> None:
        """Take the piece sums `export` gave (from the cache): these words need no table."""
        sums = np.asarray(arrays["vector_sums"], dtype=np.float32)
        self._dims = int(sums.shape[1])
        for word, vector, count in zip(arrays["vector_words"], sums, arrays["vector_counts"]):
            self._sums[str(word)] = (vector, int(count))


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v
