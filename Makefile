# One-command set-up: each target creates .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-test

.PHONY: demo test test-slow golden check-keras chromium clean venv

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m glassnet demo

# The playground's browser test drives Debian's Chromium; install it where the machine allows
# (root with apt-get). Elsewhere the browser tests skip with a message saying why.
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && apt-get install -y -qq chromium >/dev/null 2>&1) \
	      || echo "chromium could not be installed: the browser tests will be skipped"; \
	  else echo "chromium is not installed (needs root and apt-get): the browser tests will be skipped"; fi; }

test: $(STAMP) chromium
	$(PY) -m pytest -q

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

# Regenerate the golden files from Keras 3 itself, in a separate reference environment
# (.refenv: TensorFlow CPU + Keras + h5py). The default test run never needs it.
REFENV := .refenv
GOLDEN_ENV := TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=3

$(REFENV)/bin/python:
	$(PYTHON) -m venv $(REFENV)
	$(REFENV)/bin/pip install -q tensorflow-cpu keras h5py numpy

golden: $(REFENV)/bin/python
	$(GOLDEN_ENV) $(REFENV)/bin/python tests/reference/make_keras_golden.py
	$(GOLDEN_ENV) $(REFENV)/bin/python tests/reference/make_optimizer_golden.py
	$(GOLDEN_ENV) $(REFENV)/bin/python tests/reference/make_metrics_golden.py
	$(GOLDEN_ENV) $(REFENV)/bin/python tests/reference/make_datasets_golden.py
	$(GOLDEN_ENV) $(REFENV)/bin/python tests/reference/make_keras_files.py
	$(GOLDEN_ENV) $(REFENV)/bin/python tests/reference/make_ops_golden.py
	$(GOLDEN_ENV) $(REFENV)/bin/python tests/reference/make_layers_golden.py
	$(GOLDEN_ENV) $(REFENV)/bin/python tests/reference/make_custom_training_golden.py
	$(GOLDEN_ENV) $(REFENV)/bin/python tests/reference/make_functional_golden.py
	$(GOLDEN_ENV) $(REFENV)/bin/python tests/reference/make_functional_files.py
	$(GOLDEN_ENV) $(REFENV)/bin/python tests/reference/make_preprocessing_golden.py
	$(GOLDEN_ENV) $(REFENV)/bin/python tests/reference/make_conv_golden.py

# The live round trip: files glassnet writes, loaded by real Keras (and back)
check-keras: $(REFENV)/bin/python $(STAMP)
	$(GOLDEN_ENV) $(REFENV)/bin/python tests/reference/check_keras_roundtrip.py --glassnet-python $(PY)
	$(GOLDEN_ENV) $(REFENV)/bin/python tests/reference/check_layers_roundtrip.py --glassnet-python $(PY)
	$(GOLDEN_ENV) $(REFENV)/bin/python tests/reference/check_preprocessing_roundtrip.py --glassnet-python $(PY)
	$(GOLDEN_ENV) $(REFENV)/bin/python tests/reference/check_functional_roundtrip.py --glassnet-python $(PY)
	$(GOLDEN_ENV) $(REFENV)/bin/python tests/reference/check_conv_keras_roundtrip.py

clean:
	rm -rf $(VENV) $(REFENV) build dist src/*.egg-info .pytest_cache .hypothesis

# make bench: glassnet against PyTorch (CPU), Keras 3 / TensorFlow and scikit-learn, in benchmarks/.venv
include Makefile.bench
