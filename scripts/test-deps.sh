#!/usr/bin/env bash
# Installs what the tests need when it is missing and this machine can:
# Debian's postgresql (the tests start a throwaway cluster from its binaries).
set -euo pipefail

have_postgres() {
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1
}

if [ -n "${TEST_DATABASE_URL:-}" ] || have_postgres; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: installing Debian's postgresql"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: installing Debian's postgresql with sudo"
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
else
  echo "test-deps: PostgreSQL is not installed and cannot be installed here;" \
       "install it or set TEST_DATABASE_URL (PostgreSQL tests skip, or fail under CI=true)" >&2
fi
