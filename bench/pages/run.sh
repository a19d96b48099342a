#!/bin/bash
# bench/pages/run.sh BUILD_DIR [LOADS] [OUTDIR] [SIZES_MIB] - the `pages` suite
# of `make bench`: in-guest pointer-chase latency over one buffer mapped with
# 4 KiB, 2 MiB and 1 GiB pages (guest run=bench-pages), one QEMU TCG boot per
# buffer size (default "16 256 1024" MiB, LOADS dependent loads per timing,
# median of 3). Writes OUTDIR/bench/results/pages.csv and
# OUTDIR/plots/pages.svg/.png (OUTDIR defaults to the repository; the
# bench-smoke test points it at the build directory).
# Then (unless PK_PAGES_NESTED=0) the same guest in the vmm inside one
# nested-KVM L1 boot (docs/testing.md) for NESTED_SIZES (default
# "16 256" MiB; L1 has 2 GiB, so no whole free GiB for 1 GiB pages there);
# a failed L1 boot is reported and leaves only the TCG rows.
# Under TCG every guest load goes through QEMU's software TLB, so the page
# size changes less than on hardware.
set -euo pipefail
build=$(cd "${1:?usage: bench/pages/run.sh BUILD_DIR [LOADS] [OUTDIR] [SIZES_MIB]}" && pwd)
loads=${2:-2000000}
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${3:-$repo}
sizes=${4:-16 256 1024}
. "$repo/bench/lib.sh"
mkdir -p "$out/bench/results" "$out/plots" "$build/bench"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cpu=max
host=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
csv=$out/bench/results/pages.csv
echo "suite,page,buffer_mib,loads,ns_per_load,cycles_per_load,where,guest_cpu,vcpus,host_cpu" >"$csv.tmp"
for mib in $sizes; do
	log=$build/bench/pages-$mib.log
	# 1 GiB pages need a whole free GiB: give the guest 3 GiB
	if ! bench_qemu "$log" --cpu "$cpu" --smp 1 --mem 3G \
		--cmdline "run=bench-pages pages_mib=$mib loads=$loads"; then
		echo "bench/pages: the guest failed for pages_mib=$mib (log: $log)" >&2
		exit 1
	fi
	sed -n 's/^pages: page=\([0-9A-Z]*\) buffer_mib=\([0-9]*\) loads=\([0-9]*\) ns_per_load=\([0-9.]*\) cycles_per_load=\([0-9.]*\).*/pages,\1,\2,\3,\4,\5/p' "$log" |
		tr -d '\r' | sed "s/\$/,qemu-tcg,$cpu,1,\"$host\"/" >>"$csv.tmp"
done
if [ "${PK_PAGES_NESTED:-1}" != 0 ]; then
	inside=$stage/pages-inside.sh
	{
		echo '#!/bin/sh'
		for mib in ${NESTED_SIZES:-16 256}; do
			echo "./vmm -c 1 -m 1280M guest.elf -- run=bench-pages pages_mib=$mib loads=$loads 2>&1 | sed -n 's/^pages:/vmm-pages:/p'"
		done
	} >"$inside"
	nlog=$build/bench/pages-nested.log
	if bench_nested "$nlog" "$inside" 2>/dev/null; then
		tr -d '\r' <"$nlog" |
			sed -n 's/^vmm-pages: page=\([0-9A-Z]*\) buffer_mib=\([0-9]*\) loads=\([0-9]*\) ns_per_load=\([0-9.]*\) cycles_per_load=\([0-9.]*\).*/pages,\1,\2,\3,\4,\5/p' |
			sed "s/\$/,nested-kvm-vmm,host,1,\"$host\"/" >>"$csv.tmp"
	else
		echo "bench/pages: the nested-KVM run failed (log: $nlog); TCG rows only" >&2
	fi
fi
n=$(($(wc -l <"$csv.tmp") - 1))
if [ "$n" -lt 1 ]; then
	echo "bench/pages: no measurements in the guest output" >&2
	exit 1
fi
mv "$csv.tmp" "$csv"
# gnuplot table: "label" ns(4K) ns(2M) ns(1G) ("?" = not measured), TCG first
python3 - "$csv" "$stage/pages.dat" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
names = {"qemu-tcg": "TCG", "nested-kvm-vmm": "vmm"}
keys = sorted({(r["where"] != "qemu-tcg", r["where"], int(r["buffer_mib"])) for r in rows})
with open(sys.argv[2], "w") as f:
    f.write("# label 4K 2M 1G (ns per load)\n")
    for _, where, s in keys:
        v = {r["page"]: r["ns_per_load"] for r in rows
             if r["where"] == where and int(r["buffer_mib"]) == s}
        f.write('"%s %d MiB" %s\n' % (names.get(where, where), s,
                                      " ".join(v.get(p, "?") for p in ("4K", "2M", "1G"))))
PY
gnuplot -e "dat='$stage/pages.dat'; out='$out/plots/pages'" "$repo/plots/pages.gp"
echo "bench/pages: $n measurements; wrote $csv, $out/plots/pages.svg, $out/plots/pages.png"
