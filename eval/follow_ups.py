"""How well `rag.query.retrieval_query` tells a follow-up from a new question, on labelled pairs.

`eval/datasets/follow_up_pairs.jsonl` holds (previous question, new question, is it a follow-up) pairs in English
and Arabic, split into `dev` (looked at while writing the detector) and `test` (held out: measured, not tuned on).
A pair counts as merged when the detector searches with anything other than the new question alone. Positive =
follow-up, so precision is the share of merges that were right; a wrong merge (a new question searched together
with the old one) changes the answer, a missed follow-up only searches with less context, so precision matters more.

    python eval/follow_ups.py [--split test|dev|all]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from rag.query import retrieval_query
from rag.types import Turn

PAIRS = Path(__file__).resolve().parent / "datasets" / "follow_up_pairs.jsonl"


@dataclass(frozen=True)
class Pair:
    id: str
    split: str
    lang: str
    previous: str
    question: str
    follow_up: bool


@dataclass(frozen=True)
class Scores:
    n: int
    true_pos: int
    false_pos: int
    false_neg: int

    @property
    def precision(self) -> float:
        return self.true_pos / max(self.true_pos + self.false_pos, 1)

    @property
    def recall(self) -> float:
        return self.true_pos / max(self.true_pos + self.false_neg, 1)

    def line(self, name: str) -> str:
        return (f"{name:<10} n={self.n:<3} precision {self.precision:.3f}  recall {self.recall:.3f}  "
                f"wrong merges {self.false_pos}  missed follow-ups {self.false_neg}")


def load_pairs(path: Path = PAIRS, split: str = "all") -> list[Pair]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Pair(**r) for r in rows if split == "all" or r["split"] == split]


def merged(pair: Pair) -> bool:
    """Whether the detector searched `pair.question` together with the previous question."""
    history = [Turn(role="user", content=pair.previous), Turn(role="assistant", content="(an answer)")]
    return retrieval_query(pair.question, history) != pair.question


def score(pairs: list[Pair]) -> tuple[Scores, list[Pair]]:
    """The scores, and the pairs the detector got wrong."""
    wrong = [p for p in pairs if merged(p) != p.follow_up]
    fp = sum(1 for p in wrong if not p.follow_up)
    fn = len(wrong) - fp
    tp = sum(1 for p in pairs if p.follow_up) - fn
    return Scores(len(pairs), tp, fp, fn), wrong


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--split", choices=["test", "dev", "all"], default="test")
    args = p.parse_args(argv)
    pairs = load_pairs(split=args.split)
    for name, subset in (("all", pairs), ("English", [x for x in pairs if x.lang == "en"]),
                         ("Arabic", [x for x in pairs if x.lang == "ar"])):
        print(score(subset)[0].line(name))
    for pair in score(pairs)[1]:
        kind = "wrong merge" if not pair.follow_up else "missed"
        print(f"  {kind}: {pair.id}: {pair.previous!r} → {pair.question!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
