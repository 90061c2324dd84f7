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

FOLDER = Path(__file__).resolve().parent / "vectors"
"""Tables by language code: `vectors/<lang>/vectors.safetensors` and `tokenizer.json`."""
MEMO = 20_000
"""Most words whose piece ids are remembered (queries repeat words; the memo is cleared when full)."""


class WordVectors:
    """Word -> vector and sentence -> vector, from one language's table."""

    def __init__(self, folder: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        arrays = load_file(str(folder / "vectors.safetensors"))
        self._vectors: np.ndarray = arrays["vectors"]
        self._scales: np.ndarray = arrays["scales"].astype(np.float32)
        self.dims = int(self._vectors.shape[1])
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._ids: dict[str, list[int]] = {}
        self.folder = folder

    @classmethod
    def for_language(cls, language: str, root: Path = FOLDER) -> "WordVectors | None":
        """The table of `language` ("en", "en-GB"), or None when Tandem ships none for it."""
        folder = root / language.lower().replace("_", "-").split("-")[0]
        if not (folder / "vectors.safetensors").is_file():
            return None
        return cls(folder)

    def pieces(self, word: str) -> list[int]:
        """The word-piece ids of one word (memoised)."""
        ids = self._ids.get(word)
        if ids is None:
            ids = self._tokenizer.encode(word, add_special_tokens=False).ids
            if len(self._ids) > MEMO:
                self._ids.clear()
            self._ids[word] = ids
        return ids

    def rows(self, ids: Sequence[int]) -> np.ndarray:
        """float32 vectors of piece ids."""
        index = np.asarray(ids, dtype=np.int64)
        return self._vectors[index].astype(np.float32) * self._scales[index, None]

    def word(self, word: str) -> np.ndarray:
        """One word's vector (the mean of its pieces), unit length; zeros for a word of no pieces."""
        return _unit(self._mean(self.pieces(word)))

    def sentence(self, words: Sequence[str]) -> np.ndarray:
        """The mean of every piece of every word, unit length (zeros when there are none)."""
        ids = [i for w in words for i in self.pieces(w)]
        return _unit(self._mean(ids))

    def _mean(self, ids: list[int]) -> np.ndarray:
        if not ids:
            return np.zeros(self.dims, dtype=np.float32)
        return self.rows(ids).mean(axis=0)


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v
