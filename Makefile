# aidc — two commands for a fresh Debian/Ubuntu machine:
#   make demo   validate, summarise and render the bundled lab-mini example
#   make test   install what the tests need (apt + venv) and run lint, types and every test
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
APT_PACKAGES := frr frr-pythontools openssh-server openssh-client lldpd graphviz iproute2 iputils-ping procps slurmctld slurmd slurm-client ibsim-utils opensm infiniband-diags util-linux ceph-mon ceph-mgr ceph-osd radosgw ceph-common libyang2-tools netplan.io
EXAMPLE ?= inventory/examples/lab-mini

.PHONY: demo test venv apt lint typecheck unit vendor-check bench lab-bench clean

$(BIN)/aidc: pyproject.toml setup.py
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(BIN)/aidc

venv: $(BIN)/aidc

demo: venv
	$(BIN)/aidc validate $(EXAMPLE)
	$(BIN)/aidc show $(EXAMPLE)
	$(BIN)/aidc bom $(EXAMPLE)
	$(BIN)/aidc render $(EXAMPLE) --out out

apt:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: venv
	$(BIN)/ruff check toolkit tests bench

typecheck: venv
	$(BIN)/mypy

unit: venv
	$(BIN)/python -m pytest -q

# rendered SONiC / Cumulus / EOS files checked by the vendors' own schemas (YANG + yanglint, NVUE
# models, pyavd); a validator whose data (../shared/vendor) or package is missing says so and skips
vendor-check: venv
	$(BIN)/python tests/vendor/report.py

test: apt venv lint typecheck unit vendor-check

bench: venv
	$(BIN)/python bench/bench.py --scaling

lab-bench: apt venv
	$(BIN)/python bench/lab_bench.py

clean:
	rm -rf $(VENV) out build *.egg-info
