"""Local LLM speed: prompt and generation tokens/s, time to first token, answer latency and peak RSS.

Runs realistic prompts through `rag.local_llm.LocalLLM` (llama.cpp in-process): an Arabic news sentence to
translate into one English sentence ending with a citation marker, and a question over two numbered Arabic
passages to answer in Arabic with markers. Each configuration loads the model once, runs one untimed warm-up
request, then `--reps` timed requests per prompt with the prompt cache off (every request evaluates its whole
prompt, as a new question over new passages would). The baseline is the first configuration (1 thread); the
others are printed with their latency ratio to it. A configuration is `threads:poll`, poll being llama.cpp's
busy-wait level for idle worker threads (50 is its default, 0 sleeps). `--busy N` runs N CPU-burning processes
during the timed requests, as an ingest or an embedding request would on the same 2 cores. Peak RSS is sampled
every 20 ms while a configuration runs (it includes the model file's mapped pages).

    python eval/bench_llm.py [--model default|PATH.gguf] [--reps 5] [--configs 1:50,2:50,2:0] [--busy 1]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.gguf import read_header, resolve_model  # noqa: E402
from rag.local_llm import Completion, LocalLLM  # noqa: E402
from rag.settings import Settings  # noqa: E402

TRANSLATE = [
    {"role": "system", "content": "You translate Arabic news into English. Reply with exactly one English sentence "
                                  "and end it with the citation marker [1]."},
    {"role": "user", "content": "[1] أعلنت الحكومة المصرية يوم الأحد عن خطة لبناء 12 محطة جديدة لتحلية مياه البحر "
                                "على ساحل البحر الأحمر بتكلفة تصل إلى 3 مليارات دولار خلال السنوات الخمس المقبلة."},
]
ANSWER_AR = [
    {"role": "system", "content": "أجب عن السؤال بالعربية في جملتين على الأكثر، مستندا فقط إلى المقاطع المرقمة، "
                                  "وضع رقم المقطع بين قوسين مربعين بعد كل معلومة مثل [1]."},
    {"role": "user", "content": (
        "[1] قال البنك المركزي الأردني إن احتياطياته من العملات الأجنبية ارتفعت إلى 18.2 مليار دولار في نهاية "
        "أيلول، وهو أعلى مستوى منذ عشر سنوات، مدعوما بتحسن عائدات السياحة وتحويلات المغتربين.\n"
        "[2] وأضاف البنك في بيان أن معدل التضخم تراجع إلى 1.9 في المئة على أساس سنوي، متوقعا أن يبقى دون "
        "ثلاثة في المئة حتى نهاية العام.\n\n"
        "السؤال: كم بلغت احتياطيات الأردن من العملات الأجنبية، ولماذا ارتفعت؟")},
]
PROMPTS = {"translate ar→en (max 80)": (TRANSLATE, 80), "answer in Arabic (max 160)": (ANSWER_AR, 160)}


class PeakRSS:
    """Samples this process's RSS on a thread; `.peak` is the largest value seen (bytes)."""

    def __init__(self, every_s: float = 0.02) -> None:
        self.proc, self.every_s, self.peak = psutil.Process(), every_s, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            self._stop.wait(self.every_s)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)


BURN = "import time\nend = time.monotonic() + {s}\nwhile time.monotonic() < end:\n    pass\n"


def run_config(model: Path, threads: int, poll: int, reps: int,
               busy: int) -> tuple[dict[str, list[Completion]], float, int]:
    with PeakRSS() as rss:
        llm = LocalLLM(model, n_threads=threads, poll=poll)
        llm.warm_up()
        llm.chat(TRANSLATE, max_tokens=8, cache_prompt=False)  # untimed warm-up request
        burners = [subprocess.Popen([sys.executable, "-c", BURN.format(s=1800)]) for _ in range(busy)]
        try:
            results: dict[str, list[Completion]] = {name: [] for name in PROMPTS}
            for _ in range(reps):
                for name, (messages, max_tokens) in PROMPTS.items():
                    results[name].append(llm.chat(messages, max_tokens=max_tokens, cache_prompt=False))
        finally:
            for b in burners:
                b.kill()
                b.wait()
        load_ms = llm.load_ms or 0.0
        llm.close()
    return results, load_ms, rss.peak


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="default", help="'default' (assembled from the llm extra) or a .gguf path")
    ap.add_argument("--model-dir", type=Path, default=Settings().model_dir)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--configs", default="1:50,2:50", help="comma-separated threads:poll; the first is the baseline")
    ap.add_argument("--busy", type=int, default=0, help="CPU-burning processes running during the timed requests")
    ap.add_argument("--show", action="store_true", help="print each prompt's last reply")
    args = ap.parse_args()
    start = time.perf_counter()
    model = resolve_model(args.model, args.model_dir)
    info = read_header(model)
    print(f"model: {info.name} ({info.architecture}, {info.size / 2**20:.0f} MiB), resolved and verified in "
          f"{time.perf_counter() - start:.1f} s; {args.reps} reps per prompt, prompt cache off; "
          f"{psutil.cpu_count()} CPUs; {args.busy} CPU-burning process(es) alongside\n")
    print("| threads:poll | prompt | prompt tok | reply tok (p50) | prompt tok/s | gen tok/s | first token p50 / p95 ms"
          " | latency p50 / p95 ms | latency p50 × baseline | load ms | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    baseline: dict[str, float] = {}
    replies: list[str] = []
    for config in args.configs.split(","):
        threads, _, poll = config.partition(":")
        results, load_ms, peak = run_config(model, int(threads), int(poll or 50), args.reps, args.busy)
        for name, runs in results.items():
            ttft = [c.first_token_ms or c.total_ms for c in runs]
            total = [c.total_ms for c in runs]
            p50 = pct(total, 50)
            baseline.setdefault(name, p50)
            reply_tokens = pct([c.completion_tokens for c in runs], 50)
            print(f"| {config} | {name} | {runs[0].prompt_tokens} | {reply_tokens:.0f} "
                  f"| {np.median([c.prompt_tokens_per_s for c in runs]):.1f} "
                  f"| {np.median([c.generation_tokens_per_s for c in runs]):.1f} "
                  f"| {pct(ttft, 50):.0f} / {pct(ttft, 95):.0f} | {p50:.0f} / {pct(total, 95):.0f} "
                  f"| {p50 / baseline[name]:.2f} | {load_ms:.0f} | {peak / 2**20:.0f} |", flush=True)
            replies.append(f"{config}, {name}: {runs[-1].text!r} ({runs[-1].finish_reason})")
    if args.show:
        print("\n" + "\n".join(replies))

if __name__ == "__main__":
    main()
