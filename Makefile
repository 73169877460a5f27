# Thin wrapper over the npm scripts; `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)

.PHONY: help install build run test e2e dist check-style bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-12s %s\n", $$1, $$2}'

install: ## Install npm packages (and Debian packages the tests need)
	@scripts/install-deps.sh

build: install ## Build the bridge and the webapp bundle
	npm run build

run: ## Install, build and start the bridge (SQLite in ./data, 127.0.0.1:8080)
	@[ -d node_modules ] && [ ! package-lock.json -nt node_modules/.package-lock.json ] || npm ci --no-audit --no-fund
	npm run build -w server-bridge
	npm start

test: build ## Install what is needed and run the whole test suite (unit, browser, end-to-end)
	npm run typecheck
	npm run lint
	npm test

e2e: build ## Only the end-to-end suite against a real Mattermost server (built from source)
	node scripts/run-tests.mjs e2e

dist: build ## Build the installable plugin bundle dist/net.ireserve.mattermost-<version>.tar.gz
	npm run dist

check-style: install ## ESLint and TypeScript checks
	npm run lint
	npm run typecheck

bench: build ## Benchmarks and chaos runs (QUICK=1 for the one-minute version)
	QUICK=$(QUICK) npm run bench

clean: ## Remove build output (keeps ./data)
	rm -rf dist webapp/dist server-bridge/dist test/artifacts
