#!/usr/bin/env bash
# tools/paper_comparison.py on a tiny protocol: every training and evaluation runs and the report
# has a row per variant with its robustness and precision; a second run keeps every result; a
# comparison whose results were partly removed completes the missing runs (and the evaluations of
# the models trained again); a comparison over the settings of another model family (the hGRU).
set -u
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
# Model settings of any family (`settings:`): the hGRU on generated images, a row per setting.
/usr/bin/python3 "$source_dir/tools/paper_comparison.py" "$source_dir/tests/data/paper_tiny_settings.yaml" \
  --out "$tmp/settings" --ranks 1 --neurode "$neurode" --report "$tmp/settings.md" >"$tmp/settings.log" 2>&1 &&
  [ "$(grep -c ': done in' "$tmp/settings.log")" -eq 3 ] &&
  grep -q '^| setting | variant |' "$tmp/settings.md.tables" &&
  grep -q '^| 2 channels | euler-2 | 1 | 0 |' "$tmp/settings.md.tables" &&
  grep -q '^| length 9 | euler-2 | 1 | 0 |' "$tmp/settings.md.tables" &&
  [ -s "$tmp/settings/runs/euler-2__length_9__seed1.h5" ] &&
  grep -q 'length: 9' "$tmp/settings/configs/euler-2__length_9__seed1.yaml" &&
  grep -q 'channels: 3' "$tmp/settings/configs/euler-2__length_9__seed1.yaml"
result $? "a comparison over hGRU settings: 2 trainings, 1 tight evaluation, a row per setting ($(tail -1 "$tmp/settings.log"))"
if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  echo "skipped: Fashion-MNIST is missing (Debian package dataset-fashion-mnist)"
  exit 77
fi
driver=(/usr/bin/python3 "$source_dir/tools/paper_comparison.py" "$source_dir/tests/data/paper_tiny.yaml"
  --out "$tmp/paper" --ranks 1 --neurode "$neurode" --report "$tmp/report.md")
"${driver[@]}" >"$tmp/first" 2>&1
result $? "the comparison runs ($(tail -1 "$tmp/first"))"
[ "$(grep -c ': done in' "$tmp/first")" -eq 5 ]
result $? "2 trainings and 3 evaluations done ($(grep -c ': done in' "$tmp/first"))"
# The tight evaluation of the fixed-step training is adaptive: its solver section is replaced.
/usr/bin/python3 - "$tmp/paper/configs/euler-4__k1=0.5_k2=0.3__seed1__eval-tight.yaml" >"$tmp/tight" 2>&1 <<'PY'
import sys, yaml
solver = yaml.safe_load(open(sys.argv[1]))["solver"]
print(solver)
assert solver == {"method": "dopri5", "rtol": 1e-8, "atol": 1e-8}, solver
PY
result $? "the tight evaluation of a fixed-step training is adaptive ($(tail -1 "$tmp/tight"))"
grep -q '| k1=0.5,k2=0.3 | euler-4 | 1 | 0 |' "$tmp/report.md.tables" &&
  grep -q '| k1=0.5,k2=0.3 | dopri5-discrete | 1 | 0 |' "$tmp/report.md.tables" &&
  grep -qE '^\| euler-4 \| k1=0.5,k2=0.3 \| [0-9.]+ \|$' "$tmp/report.md.tables" &&
  grep -qE '^\| k1=0.5,k2=0.3 \| euler-4 \| 1 \| 0 \|( [^|]+ \|){3} [0-9.]+e-[0-9]+ \| 32 \+ 0, 32 \|' "$tmp/report.md.tables"
result $? "the report has both variants, the robustness row, precision and evaluation counts"
"${driver[@]}" >"$tmp/second" 2>&1
[ "$(grep -c ': kept' "$tmp/second")" -eq 5 ]
result $? "a rerun keeps every result ($(grep -c ': kept' "$tmp/second") kept)"
rm "$tmp/paper/runs/dopri5-discrete__k1=0.5_k2=0.3__seed1.h5"
"${driver[@]}" >"$tmp/third" 2>&1
[ "$(grep -c ': done in' "$tmp/third")" -eq 2 ] && [ "$(grep -c ': kept' "$tmp/third")" -eq 3 ]
result $? "a partly removed comparison completes the missing run and evaluates the new model again"
finish
