# orgchart — `make demo` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_DB := demo.db
ORGCHART := $(BIN)/orgchart --db $(DEMO_DB)

.PHONY: demo test lint bench mutate system-deps browser-deps clean

# The virtualenv with the package (editable) and its dev and postgres extras.
$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev,postgres]"
	$(BIN)/python -m compileall -q orgchart  # bytecode even where PYTHONDONTWRITEBYTECODE is set
	touch $(STAMP)

# Graphviz `dot` and a CJK font: installed with apt-get when missing and we are root.
system-deps:
	@if command -v dot >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing graphviz and fonts-noto-cjk with apt-get"; \
	  apt-get update -qq >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz fonts-noto-cjk >/dev/null; \
	else \
	  echo "note: Graphviz 'dot' or a CJK font is missing; install them (e.g." \
	       "'sudo apt-get install graphviz fonts-noto-cjk') to draw charts"; \
	fi

# Debian's Chromium for the browser tests of `orgchart timeline` (never `playwright install`).
browser-deps:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing chromium with apt-get (for the browser tests)"; \
	  apt-get update -qq >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	  echo "note: /usr/bin/chromium is missing; the browser tests will be skipped"; \
	fi

demo: $(STAMP) system-deps
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(ORGCHART) load seeds/alibaba-2026.yaml
	@echo
	$(ORGCHART) at 2026-03-31
	@echo
	$(ORGCHART) at 2026-04-01
	@echo
	$(ORGCHART) diff 2026-03-31 2026-04-01
	@echo
	$(ORGCHART) history search-rec
	@echo
	$(ORGCHART) render 2026-04-01 --since 2026-03-31 -o chart-2026-04-01.svg
	$(ORGCHART) timeline -o history.html
	@echo "history.html: the whole story in one page; open file://$(CURDIR)/history.html in any browser (works offline)"
	@echo "explore it in a browser: $(BIN)/orgchart --db $(DEMO_DB) serve  (then open http://127.0.0.1:8000/; Ctrl+C stops it)"

test: $(STAMP) system-deps browser-deps
	$(BIN)/pytest

bench: $(STAMP) system-deps
	$(BIN)/python tests/bench/run.py

# Mutation testing of the rules (orgchart/domain/rules.py and knowledge.py, see [mutmut] in
# setup.cfg): each mutant must fail the fast rule tests. Slow (about 15 minutes on 2 cores);
# `mutmut results` lists the survivors, `mutmut show NAME` shows one.
mutate: $(STAMP)
	HYPOTHESIS_PROFILE=mutate $(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut results

lint: $(STAMP)
	$(BIN)/ruff check orgchart tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm *.egg-info .pytest_cache .mypy_cache .ruff_cache mutants
