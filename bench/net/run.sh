#!/bin/bash
# bench/net/run.sh BUILD_DIR [ROUNDS] [OUTDIR] - the `net` suite of `make
# bench`: redis-benchmark against run=kv and wrk against run=http on the vmm
# (--net user,hostfwd=...) and against redis-server and nginx in a Linux
# guest (Debian's kernel, bench/net/linux_guest.sh) in QEMU -accel kvm, in
# ONE nested-KVM L1 boot (bench/net/inside.sh), ROUNDS (default 3)
# alternating rounds; then the same servers under QEMU TCG on this host
# (bench/net/tcg.sh), where both run emulated. Writes
# OUTDIR/bench/results/net.csv and OUTDIR/plots/net.svg/.png (OUTDIR
# defaults to the repository; the bench-smoke test points it at the build).
# Environment: PK_NET_CPUS (vCPUs of each server, 1), PK_NET_REQS (requests
# per redis test, 2000), PK_NET_PREQS (pipelined, 20000), PK_NET_CONNS (10),
# PK_NET_WSECS (seconds a wrk run, 5), PK_NET_LEGS ("nested tcg").
set -euo pipefail
build=$(cd "${1:?usage: bench/net/run.sh BUILD_DIR [ROUNDS] [OUTDIR]}" && pwd)
rounds=${2:-3}
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${3:-$repo}
. "$repo/bench/lib.sh"
mkdir -p "$out/bench/results" "$out/plots" "$build/bench"
for tool in redis-benchmark redis-cli wrk qemu-system-x86_64 gnuplot; do
	command -v "$tool" >/dev/null || {
		echo "bench/net: no $tool (sh tools/deps.sh)" >&2
		exit 1
	}
done
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cache=$(pk_nested_cache "$build")
[ -s "$cache/STAMP" ] || "$repo/tools/nested/fetch.sh" "$cache"
bash "$repo/bench/net/linux_guest.sh" "$cache" "$stage/linux"
mkdir -p "$stage/roms"
cp -L /usr/share/seabios/bios-256k.bin /usr/share/qemu/linuxboot_dma.bin \
	/usr/share/qemu/kvmvapic.bin /usr/share/qemu/pvh.bin "$stage/roms/"
export PK_NET_CPUS=${PK_NET_CPUS:-1} PK_NET_REQS=${PK_NET_REQS:-2000}
export PK_NET_PREQS=${PK_NET_PREQS:-20000} PK_NET_CONNS=${PK_NET_CONNS:-10}
export PK_NET_WSECS=${PK_NET_WSECS:-5}
logs=()
for leg in ${PK_NET_LEGS:-nested tcg}; do
	log=$build/bench/net-$leg.log
	case $leg in
	nested)
		printf 'N=%s CPUS=%s REQS=%s PREQS=%s CONNS=%s WCONNS=%s WSECS=%s\n. ./inside.sh\n' \
			"$rounds" "$PK_NET_CPUS" "$PK_NET_REQS" "$PK_NET_PREQS" "$PK_NET_CONNS" \
			"$PK_NET_CONNS" "$PK_NET_WSECS" >"$stage/bench.sh"
		bench_nested "$log" "$stage/bench.sh" --file "$repo/bench/net/inside.sh" \
			--file "$build/bin/guest-x86-64.elf" \
			--file "$repo/bench/net/clients.sh" \
			--file "$(command -v qemu-system-x86_64)" --file "$stage/roms" \
			--file "$stage/linux" --file "$(command -v redis-benchmark)" \
			--file "$(command -v redis-cli)" --file "$(command -v wrk)" ||
			echo "bench/net: the nested leg failed (exit $?), see $log" >&2
		;;
	tcg)
		N=$rounds CPUS=$PK_NET_CPUS REQS=$PK_NET_REQS PREQS=$PK_NET_PREQS CONNS=$PK_NET_CONNS \
			WCONNS=$PK_NET_CONNS WSECS=$PK_NET_WSECS \
			sh "$repo/bench/net/tcg.sh" "$build" "$stage/linux" "$stage/roms" >"$log" 2>&1 ||
			echo "bench/net: the TCG leg failed (exit $?), see $log" >&2
		;;
	*)
		echo "bench/net: unknown leg '$leg' in PK_NET_LEGS (nested, tcg)" >&2
		exit 2
		;;
	esac
	logs+=("$leg=$log")
done
python3 "$repo/bench/net/report.py" "$out/bench/results/net.csv" "$stage/net.dat" "${logs[@]}"
gnuplot -e "dat='$stage/net.dat'; out='$out/plots/net'" "$repo/plots/net.gp"
echo "bench/net: wrote $out/bench/results/net.csv, $out/plots/net.svg, $out/plots/net.png"
