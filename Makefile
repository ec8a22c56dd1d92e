# smile-viewer: the two commands.
#   make run   set up .venv and start the desktop application on its default scene
#   make test  set up .venv, check the code style (make lint: ruff) and run the whole test suite
# Other targets: make bench (benchmarks), make wheel, make clean.
#   make dist  build the wheel and sdist into dist/ and check that the installed wheel starts
#   make fuzz  a long seeded fuzz campaign over every file kind, hostile paths and the CLI
#              (FUZZ_CASES=3000 mutated files; docs/robustness.md)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Two pytest-xdist workers, one test file each at a time (--dist loadfile: several GUI files
# share one window per module); a crashed worker fails the run at once (--max-worker-restart=0:
# pytest-xdist 3.8 can hang when it replaces a worker under loadfile). PYTEST_ARGS= runs serially.
PYTEST_ARGS ?= -n 2 --dist loadfile --max-worker-restart=0

.PHONY: run test lint bench wheel sysdeps venv clean fuzz

FUZZ_CASES ?= 3000
fuzz: $(STAMP)
	$(BIN)/python tests/fuzz/fuzzlib.py --cases $(FUZZ_CASES) --cli 300 --workers 2

run: $(STAMP)
	@$(BIN)/smile-viewer

test: $(STAMP) lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff (pinned in the test extra): the rules are in pyproject.toml, the style in docs/architecture.md
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

wheel: $(STAMP)
	$(BIN)/python -m build --wheel --outdir dist .

sysdeps:
	@bash packaging/system-deps.sh

venv: $(STAMP)

# The venv is rebuilt when pyproject.toml changes.
$(STAMP): pyproject.toml
	@bash packaging/system-deps.sh
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "smile-viewer needs Python 3.11 or newer, found " + sys.version.split()[0]' \
		|| { echo "Python 3.11+ is needed: run 'make PYTHON=python3.11 ...'"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

# Wheel + sdist (the wheel is built from the sdist, which proves the sdist complete), then
# packaging/check_dist.py installs the wheel into a temporary venv (dependencies reused from
# .venv) and runs `smile-viewer --version` and `smile-viewer render` of the default scene.
.PHONY: dist
dist: $(STAMP)
	rm -f dist/smile_viewer-*.whl dist/smile_viewer-*.tar.gz
	$(BIN)/python -m build --no-isolation --outdir dist .
	$(BIN)/python packaging/check_dist.py dist

clean:
	rm -rf $(VENV) build dist .pytest_cache *.egg-info
