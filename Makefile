# The README's commands. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install migrate catalogue lint css clean bench

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py migrate --no-input

catalogue: migrate
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py load_catalogue

run: catalogue
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The performance benchmark (tests/benchmarks/run.py): a throwaway database, gunicorn on
# loopback, 100 to 10,000 generated programmes; prints each figure beside its target.
# Then what finding by postcode costs (tests/benchmarks/postcodes.py), and the memory a
# worker takes with the answer cache full, in memory and in Redis (cache_memory.py).
bench: $(STAMP)
	$(BIN)/python -m tests.benchmarks.run $(BENCH_ARGS)
	$(BIN)/python -m tests.benchmarks.postcodes
	$(BIN)/python -m tests.benchmarks.cache_memory

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Rebuild the committed static/css/site.css from static/src/scss (GOV.UK Frontend, system fonts)
# and refresh the committed copies of GOV.UK Frontend's JavaScript that static/js/site.js loads
# and of accessible-autocomplete (the finder's place type-ahead, static/js/place-search.js).
css:
	npm ci
	npx sass --load-path=node_modules --style=compressed --no-source-map \
		static/src/scss/site.scss static/css/site.css
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js \
		node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js.map static/js/
	cp node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.js \
		node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.js.map static/js/
	cp node_modules/accessible-autocomplete/LICENSE.txt static/js/accessible-autocomplete.LICENSE.txt
	cp node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.css \
		node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.css.map static/css/

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
