# Shared set-up of the CLI tests, sourced right after `set -u`:
#   source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
# The neurode executable and the source tree from the arguments CTest passes (made absolute), a
# scratch directory removed on exit, the MPI launcher, and the tally of checks.
# shellcheck shell=bash disable=SC2034
neurode=$(realpath "$1")
source_dir=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mpirun=(bash "$source_dir/tools/mpirun.sh")
passed=0 failed=0
# result STATUS DESCRIPTION: counts one check; a failed one is printed.
result() { if [ "$1" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $2"; fi; }
# finish: prints the tally; its status is the test's.
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
