# nernst: two commands do all set-up on a fresh machine.
#   make run   - create .venv, install, run the main job
#   make test  - create .venv, install with test extras, run the whole test suite

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    := out

.PHONY: run test test-fast install browser bench bench-sweep docs-figures clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@echo "compiling the HH kernels ahead of time (cached; 10-20 s once)"
	@$(BIN)/python -m nernst.solvers.kernels.hh > $(VENV)/hhkernels-build.log 2>&1 || (cat $(VENV)/hhkernels-build.log; exit 1)
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@mkdir -p $(OUT)
	$(BIN)/nernst rest --preset mammalian_neuron --pump-ratio 1.5 --plot $(OUT)/rest_mammalian_neuron.png
	$(BIN)/nernst compare --plot $(OUT)/compare_presets.png
	$(BIN)/nernst spike --current 10 --duration 50 --plot $(OUT)/spike.png
	$(BIN)/nernst cable --diameter 476 --length 50 --temperature 18.5 --plot $(OUT)/cable.png
	$(BIN)/nernst sweep docs/sweeps/k_na_rest.toml --plot $(OUT)/sweep_k_na_rest.png
	@echo "figures written to $(OUT)/; starting the explorer (Ctrl+C stops it)"
	$(BIN)/nernst explore --host 127.0.0.1 --port 8050

# Browser tests drive Debian's chromium (Playwright cannot download a browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  (echo "installing Debian's chromium for the browser tests" && apt-get update -qq && \
	   DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	  echo "warning: chromium could not be installed; the browser tests will be skipped"

test: $(STAMP) browser
	$(BIN)/lint-imports --no-cache  # the one-way layers of the package (pyproject.toml [tool.importlinter])
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup --doctest-modules src/nernst tests

# The inner loop while editing (under a minute): no peers, browser, cluster, load, fuzz or fault injection.
test-fast: $(STAMP)
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -q -n 2 -m "not peer and not browser and not load and not dask and not fuzz and not faults" tests

bench: $(STAMP)
	$(BIN)/python bench/equilibrium.py
	$(BIN)/python bench/dynamics.py
	$(BIN)/python bench/excitability.py  # ~9 min; Brian2/Jaxley only if .venv-peers exists (bench/peers/README.md)
	$(BIN)/python bench/sweep.py  # ~8 min; writes bench/results/sweep.json

bench-sweep: $(STAMP)
	$(BIN)/python bench/sweep.py

docs-figures: $(STAMP)
	$(BIN)/python docs/make_figures.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis
