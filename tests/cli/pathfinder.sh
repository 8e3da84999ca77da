#!/usr/bin/env bash
# `neurode pathfinder` (docs/pathfinder.md): 40 images written on 1 and on 2 ranks are bitwise the
# same file content (/images, /labels, /markers); shapes N x S x S, N, N x 2 x 2; values in [0, 1];
# labels 0 and 1, balanced; the same seed gives the same bits, another seed other images; each
# marker lies on a bright pixel; the original preset (150x150) writes too; tools/show_pathfinder.py
# draws a PNG; bad arguments are one-line errors with exit 2 (an output directory that does not
# exist: exit 4, as for every command, docs/reliability.md) and leave no file.
set -u
# shellcheck source=tests/support/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh" "$@"
python=/usr/bin/python3
if ! "$python" -c 'import h5py, numpy, matplotlib' 2>/dev/null; then
  echo "skipped: $python lacks h5py, numpy or matplotlib (apt-get install python3-h5py python3-matplotlib)"
  exit 77
fi
for np in 1 2; do
  "${mpirun[@]}" -np $np "$neurode" pathfinder -o "$tmp/pf-$np.h5" --images 40 --seed 7 >"$tmp/log-$np" 2>&1
  result $? "40 images on $np ranks ($(tail -1 "$tmp/log-$np"))"
done
"$neurode" pathfinder -o "$tmp/again.h5" --images 40 --seed 7 >"$tmp/log-again" 2>&1
result $? "the same seed again"
"$neurode" pathfinder -o "$tmp/other.h5" --images 40 --seed 8 >"$tmp/log-other" 2>&1
result $? "another seed"
"$neurode" pathfinder -o "$tmp/original.h5" --images 4 --preset original --length 9 >"$tmp/log-original" 2>&1
result $? "the original preset ($(tail -1 "$tmp/log-original"))"
"$python" - "$tmp" >"$tmp/check" 2>&1 <<'PY'
import sys, h5py, numpy as np
tmp = sys.argv[1]
def read(name):
    with h5py.File(f"{tmp}/{name}.h5", "r") as f:
        return {k: f[k][()] for k in ("/images", "/labels", "/markers")}, dict(f["/images"].attrs)
one, attrs = read("pf-1")
two, _ = read("pf-2")
again, _ = read("again")
other, _ = read("other")
for k in one:
    assert one[k].dtype == two[k].dtype and one[k].tobytes() == two[k].tobytes(), f"{k}: 1 rank != 2 ranks"
    assert one[k].tobytes() == again[k].tobytes(), f"{k}: the same seed gave other bits"
n, s = 40, 32
images, labels, markers = one["/images"], one["/labels"], one["/markers"]
assert images.shape == (n, s, s) and labels.shape == (n,) and markers.shape == (n, 2, 2), \
    (images.shape, labels.shape, markers.shape)
assert images.min() >= 0 and images.max() <= 1 and images.max() == 1, (images.min(), images.max())
assert set(np.unique(labels)) == {0, 1}, np.unique(labels)
assert 16 <= labels.sum() <= 24, f"{labels.sum()} of {n} of label 1"
assert attrs["contour_length"] == 14 and attrs["seed"] == 7, attrs
different = sum(not np.array_equal(a, b) for a, b in zip(images, other["/images"]))
assert different == n, f"seed 8 repeats {n - different} images of seed 7"
def on_bright(images, markers):
    size = images.shape[1]
    for k in range(images.shape[0]):
        for r, c in markers[k]:
            assert 0 <= r < size and 0 <= c < size, (k, r, c)
            assert images[k, int(r), int(c)] > 0.5, f"image {k}: marker at {r}, {c} on {images[k, int(r), int(c)]}"
on_bright(images, markers)
original, oattrs = read("original")
assert original["/images"].shape == (4, 150, 150), original["/images"].shape
assert oattrs["preset"] in (b"original", "original") and oattrs["contour_length"] == 9, oattrs
on_bright(original["/images"], original["/markers"])
print(f"identical on 1 and 2 ranks; {labels.sum()} of {n} of label 1; markers on bright pixels")
PY
result $? "the files ($(tail -1 "$tmp/check"))"
"$python" "$source_dir/tools/show_pathfinder.py" "$tmp/pf-1.h5" -o "$tmp/grid.png" >"$tmp/log-show" 2>&1 &&
  "$python" -c 'import sys; assert open(sys.argv[1], "rb").read(8) == b"\x89PNG\r\n\x1a\n"' "$tmp/grid.png"
result $? "tools/show_pathfinder.py writes a PNG ($(tail -1 "$tmp/log-show"))"
# Bad arguments: exit code, one line on stderr naming the option, no output file.
bad() {  # name, expected exit code, text the message must hold, arguments after `pathfinder`
  local name=$1 expected=$2 text=$3
  shift 3
  "$neurode" pathfinder "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  local code=$?
  [ $code -eq "$expected" ] && [ "$(wc -l <"$tmp/$name.err")" -eq 1 ] && grep -qF -- "$text" "$tmp/$name.err" &&
    [ ! -e "$tmp/$name.h5" ]
  result $? "$name: exit $expected naming $text (exit $code: $(head -1 "$tmp/$name.err"))"
}
bad no_images 2 "--images" -o "$tmp/no_images.h5" --images 0
bad odd_size 2 "--size 17" -o "$tmp/odd_size.h5" --images 4 --size 17
bad short_length 2 "--length 1" -o "$tmp/short_length.h5" --images 4 --length 1
bad long_length 2 "--length 60" -o "$tmp/long_length.h5" --images 4 --length 60
bad lra_preset 2 "--preset" -o "$tmp/lra_preset.h5" --images 4 --preset lra
bad no_directory 4 "$tmp/missing/out.h5" -o "$tmp/missing/out.h5" --images 4
finish
