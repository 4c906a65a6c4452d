#!/usr/bin/env bash
# Runs the whole Coupon stack (the Aspire AppHost: Redis, Kafka, MariaDB, api, worker, admin and
# the Aspire dashboard) on a Debian machine that has the .NET SDK. Installs redis-server and
# mariadb-server with apt-get when they are missing and that is allowed: as root, or with --install
# (then through sudo). Every other argument goes to the AppHost: ./run.sh --fresh,
# ./run.sh token --user 42.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

install=false
arguments=()
for argument in "$@"; do
  if [[ $argument == --install ]]; then install=true; else arguments+=("$argument"); fi
done

packages=(redis-server mariadb-server)
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
PATH="$PATH:/usr/sbin" command -v mariadbd >/dev/null || missing+=(mariadb-server)
if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]]; then
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "${packages[@]}"
  elif $install; then
    sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y "${packages[@]}"
  else
    echo "missing: ${missing[*]}. Run ./run.sh --install, or: sudo apt-get install -y ${packages[*]}" >&2
    echo "(or point the AppHost at your own servers with ConnectionStrings__redis / __coupondb)" >&2
    exit 1
  fi
fi

# Build once, then run the AppHost's own binary so that Ctrl+C, SIGTERM and kill -9 reach the
# AppHost itself (DCP stops everything when it goes). The environment is the `http` profile of
# Coupon.AppHost/Properties/launchSettings.json, which `dotnet run --project Coupon.AppHost` uses.
# Its messages go to stderr: `./run.sh token …` prints only tokens on stdout.
dotnet build Coupon.AppHost --nologo -v quiet -consoleLoggerParameters:NoSummary 1>&2
export DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development
export ASPNETCORE_URLS=${ASPNETCORE_URLS:-http://localhost:18888}
export ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=${ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL:-http://localhost:18889}
export ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL=${ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL:-http://localhost:18890}
export ASPIRE_ALLOW_UNSECURED_TRANSPORT=true
exec dotnet Coupon.AppHost/bin/Debug/net10.0/Coupon.AppHost.dll "${arguments[@]}"
