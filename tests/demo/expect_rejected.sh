#!/usr/bin/env bash
# ctest: the demo must refuse a bad scenario before running anything: exit status 2 and an error on
# stderr that matches the expected text (file, field, what was expected).
# usage: expect_rejected.sh <demo> <assets> <scenario-file> <expected-text>
set -uo pipefail
demo=$1 assets=$2 scenario=$3 expected=$4
err=$("$demo" --assets "$assets" --headless --frames 5 --scenario "$scenario" 2>&1 >/dev/null)
status=$?
echo "exit status $status; stderr: $err"
[[ $status -eq 2 ]] || { echo "expected exit status 2"; exit 1; }
grep -qF -- "$expected" <<<"$err" || { echo "expected stderr to contain: $expected"; exit 1; }
