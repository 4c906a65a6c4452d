#!/usr/bin/env bash
# Runs Coupon's tests on a Debian machine that has the .NET SDK: installs the servers, the browser
# and Locust that the tests use when they are missing (as root, with apt-get), builds, runs
# `dotnet test` with a trx logger into TestResults/, and ends with one line "N passed, N failed[, N skipped]".
# Exits non-zero when anything failed.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

packages=(redis-server mariadb-server chromium python3-locust)
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v mariadbd >/dev/null && command -v mariadb-install-db >/dev/null || missing+=(mariadb-server)
command -v chromium >/dev/null || missing+=(chromium)
command -v locust >/dev/null || missing+=(python3-locust)
if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "installing ${packages[*]} (missing: ${missing[*]})"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${packages[@]}"
  else
    echo "missing: ${missing[*]}; install them with: sudo apt-get install -y ${packages[*]}" >&2
    exit 1
  fi
fi

results=TestResults
rm -rf "$results"
dotnet build Coupon.sln
status=0
# The fixture's servers and projects write their output here (read it when a test fails).
export COUPON_STACK_LOG="$PWD/$results/stack.log"
dotnet test Coupon.sln --no-build --logger trx --results-directory "$results" \
  --blame-hang-timeout 10m --blame-hang-dump-type none || status=$?

# Sum the counters of every trx file: <Counters total=".." passed=".." failed=".." error=".." ...>.
shopt -s nullglob
trx=("$results"/*.trx)
if ((${#trx[@]} == 0)); then
  echo "dotnet test wrote no results (exit code $status)" >&2
  echo "0 passed, 0 failed"
  exit 1
fi
read -r passed failed skipped < <(grep -ho '<Counters [^>]*>' "${trx[@]}" | awk '
  function count(name,   m) { return match($0, name "=\"[0-9]+\"") ? substr($0, RSTART + length(name) + 2, RLENGTH - length(name) - 3) : 0 }
  { p += count("passed"); f += count("failed") + count("error") + count("timeout") + count("aborted"); s += count("notExecuted") }
  END { print p + 0, f + 0, s + 0 }')
# A failed run shows the servers' and projects' complaints; the whole log stays in TestResults/.
if ((failed > 0)) && [[ -f $COUPON_STACK_LOG ]]; then
  echo "--- warnings and errors from $COUPON_STACK_LOG (last 150) ---"
  grep -a -i -E "\[error\]|fail|exception|warn" "$COUPON_STACK_LOG" | tail -150 | cut -c1-300 || true
fi
# And which tests failed, last, where a short excerpt of this output still shows them.
if ((failed > 0)); then
  echo "--- failed tests ---"
  grep -ho '<UnitTestResult [^>]*outcome="Failed"' "${trx[@]}" | grep -o 'testName="[^"]*"' | cut -d'"' -f2 || true
  # The first lines of each failure's message (a fault campaign's says its seed and violations).
  echo "--- their messages (first 25 lines each) ---"
  awk '/<UnitTestResult .*outcome="Failed"/ { failed = 1 }
    failed && /<Message>/ { inside = 1; lines = 0; sub(/.*<Message>/, "") }
    inside { end = sub(/<\/Message>.*/, ""); if (lines++ < 25) print; if (end) { inside = 0; failed = 0 } }
    /<\/UnitTestResult>/ { failed = 0 }' "${trx[@]}" | cut -c1-400 || true
fi
line="$passed passed, $failed failed"
((skipped > 0)) && line+=", $skipped skipped"
echo "$line"
((failed == 0 && status == 0))
