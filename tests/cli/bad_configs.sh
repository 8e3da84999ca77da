#!/usr/bin/env bash
# Every config in tests/cli/bad_configs/ has one defect. `neurode simulate` (`neurode train` for a
# config with a `task:` section) must refuse each one before doing any work: exit code 2, exactly
# one line on stderr naming the config file (and the key of a `# Names: KEY` comment line), and no
# output file (nor a leftover temporary) in the output directory.
#
#   bash tests/cli/bad_configs.sh build/apps/neurode .      (CTest: cli_bad_configs)
set -u

if [[ $# -ne 2 ]]; then
  echo "usage: $0 NEURODE_EXECUTABLE SOURCE_DIR" >&2
  exit 2
fi
neurode=$1
source_dir=$2
config_dir=$source_dir/tests/cli/bad_configs

work=$(mktemp -d "${TMPDIR:-/tmp}/neurode-bad-configs.XXXXXX")
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
shopt -s nullglob
configs=("$config_dir"/*.yaml)
if [[ ${#configs[@]} -eq 0 ]]; then
  echo "no configs found in $config_dir" >&2
  exit 1
fi

for config in "${configs[@]}"; do
  name=$(basename "$config")
  out_dir=$work/${name%.yaml}
  mkdir -p "$out_dir"
  command=simulate
  grep -q '^task:' "$config" && command=train
  "$neurode" "$command" "$config" -o "$out_dir/out.h5" >"$out_dir/stdout" 2>"$out_dir/stderr"
  code=$?
  problems=()
  [[ $code -eq 2 ]] || problems+=("exit code $code, expected 2")
  lines=$(wc -l <"$out_dir/stderr")
  [[ $lines -eq 1 ]] || problems+=("$lines lines on stderr, expected 1")
  grep -qF "$name" "$out_dir/stderr" || problems+=("stderr does not name $name")
  key=$(sed -n 's/^# Names: *//p' "$config")
  [[ -z $key ]] || grep -qF "$key" "$out_dir/stderr" || problems+=("stderr does not name $key")
  leftovers=("$out_dir"/out.h5*)  # out.h5 itself and any out.h5.tmp* (nullglob: none match -> empty)
  [[ ${#leftovers[@]} -eq 0 ]] || problems+=("left behind: ${leftovers[*]##*/}")
  if [[ ${#problems[@]} -eq 0 ]]; then
    passed=$((passed + 1))
    echo "ok   $name: $(cat "$out_dir/stderr")"
  else
    failed=$((failed + 1))
    echo "FAIL $name: $(IFS=';'; echo "${problems[*]}")"
    sed 's/^/       stderr: /' "$out_dir/stderr"
  fi
done

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
