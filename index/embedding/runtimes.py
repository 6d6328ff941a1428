"""Runtimes for `LateChunkingEmbedder`: a function (input_ids, attention_mask) → last-layer token states.

    torch-late   the model's own torch weights, fp32 (what sentence-transformers runs)
    onnx         ONNX Runtime, fp32, from a graph exported once from those weights (onnx_export.py)
    onnx-int8    ONNX Runtime with its Linear layers' weights int8 per channel, activations uint8 per batch
                 (dynamic quantisation; uses VNNI where the CPU has it)

torch and onnxruntime are imported here, on first use, never at import time. ONNX Runtime threads do not
spin while idle (the cores are shared with the question-answering side and the other processes).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from index.embedding import DEFAULT_MODEL
from index.errors import ModelError

RUNTIMES = ("torch-late", "onnx", "onnx-int8")


def model_folder(model: str, cache_dir: Path) -> Path:
    """The sentence-transformers folder of `model`: the converted e5 (once, offline) or a local folder."""
    if model == DEFAULT_MODEL:
        from index.embedding.e5_convert import ensure_converted

        try:
            return ensure_converted(cache_dir)
        except FileNotFoundError as exc:
            raise ModelError(str(exc)) from exc
    path = Path(model)
    if not (path / "config.json").exists():
        raise ModelError(f"{model!r} is not a local model folder (the {', '.join(RUNTIMES)} backends need one)")
    return path


def load_runner(runtime: str, folder: Path, cache_dir: Path) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    if runtime == "torch-late":
        return _torch(folder)
    if runtime in ("onnx", "onnx-int8"):
        from index.embedding.onnx_export import ensure_exported

        return _onnx(ensure_exported(folder, cache_dir, quantised=runtime == "onnx-int8"))
    raise ModelError(f"unknown runtime {runtime!r} (use one of {', '.join(RUNTIMES)})")


def _torch(folder: Path) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    import torch
    from transformers import AutoModel

    model: Any = AutoModel.from_pretrained(str(folder)).eval()

    def run(input_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            out = model(input_ids=torch.from_numpy(input_ids), attention_mask=torch.from_numpy(mask))
        return np.asarray(out.last_hidden_state.numpy())

    return run


def _onnx(path: Path) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def run(input_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.asarray(session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0])

    return run
