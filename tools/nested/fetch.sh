#!/usr/bin/env bash
# tools/nested/fetch.sh CACHE_DIR
#
# Fetch what the nested-KVM harness (tools/nested/run.sh) boots as L1:
# Debian's current linux-image-6.1.0-*-amd64 kernel and the four modules
# that bring up /dev/kvm (see docs/testing.md, "The nested-KVM harness"), plus
# a static busybox. Nothing is installed on the host: the .deb is fetched
# with `apt-get download` and unpacked with `dpkg-deb -x`.
#
# Leaves in CACHE_DIR:
#   vmlinuz                     the L1 kernel (bzImage)
#   vmlinux                     the same kernel uncompressed, if it has a PVH
#                               entry note: QEMU boots that directly and L1
#                               skips ~3 s of emulated xz decompression
#   modules/NN-<name>.ko        irqbypass, ccp, kvm, kvm-amd, virtio-net, tun (uncompressed,
#                               NN = load order, so `ls` order is load order)
#   busybox                     copy of the host's /bin/busybox (static)
#   STAMP                       "<package> <version>": a re-run with the same
#                               stamp and all files present is a fast no-op
#
# Exit status: 0 ok, 1 on any error (the message says which package or tool).
set -euo pipefail

die() {
	echo "fetch.sh: error: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: $0 CACHE_DIR"
CACHE=$1

for tool in apt-cache apt-get dpkg-deb xz; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "'$tool' not found (this needs a Debian/Ubuntu host with apt, dpkg and xz-utils)"
done

# Load order matters: kvm-amd needs kvm and ccp (SEV), kvm needs irqbypass;
# virtio_net (L1's own NIC, for run.sh --fwd) needs the virtio core, the
# PCI transport and net_failover; tun is for the vmm's --net tap.
MODULES=(
	kernel/virt/lib/irqbypass.ko
	kernel/drivers/crypto/ccp/ccp.ko
	kernel/arch/x86/kvm/kvm.ko
	kernel/arch/x86/kvm/kvm-amd.ko
	kernel/drivers/virtio/virtio_ring.ko
	kernel/drivers/virtio/virtio.ko
	kernel/drivers/virtio/virtio_pci_modern_dev.ko
	kernel/drivers/virtio/virtio_pci_legacy_dev.ko
	kernel/drivers/virtio/virtio_pci.ko
	kernel/net/core/failover.ko
	kernel/drivers/net/net_failover.ko
	kernel/drivers/net/virtio_net.ko
	kernel/drivers/net/tun.ko
)

# Resolve the concrete kernel package the meta package points at today
# (e.g. linux-image-6.1.0-56-amd64) and its version. This is the same edge
# `apt-cache depends linux-image-amd64` shows; `apt-cache show` also carries
# the pinned version "(= 6.1.x-y)", so one apt call (~0.6 s) gives both.
# Only refresh the apt lists when apt knows nothing: `apt-get update` is slow
# and needs the network.
resolve() { # prints "<package> <version>"
	apt-cache show --no-all-versions linux-image-amd64 2>/dev/null |
		sed -n 's/^Depends:.*\(linux-image-[0-9][^ ,]*-amd64\) (= \([^)]*\)).*/\1 \2/p' |
		head -n1
}
RES=$(resolve || true)
if [ -z "$RES" ]; then
	echo "fetch.sh: apt-cache knows no linux-image-amd64; running apt-get update" >&2
	apt-get update -qq || die "apt-get update failed (need root and network)"
	RES=$(resolve || true)
	[ -n "$RES" ] || die "cannot resolve linux-image-amd64 to a linux-image-*-amd64 package (see: apt-cache depends linux-image-amd64)"
fi
PKG=${RES% *}
VER=${RES#* }
STAMP="$PKG $VER"

mod_dest() { # index, path -> cache-relative name, e.g. modules/03-kvm.ko
	printf 'modules/%02d-%s\n' "$(($1 + 1))" "$(basename "$2")"
}

complete() {
	[ -f "$CACHE/STAMP" ] && [ "$(cat "$CACHE/STAMP")" = "$STAMP" ] || return 1
	[ -s "$CACHE/vmlinuz" ] && [ -x "$CACHE/busybox" ] || return 1
	[ -s "$CACHE/vmlinux" ] || [ -e "$CACHE/vmlinux.none" ] || return 1
	local i
	for i in "${!MODULES[@]}"; do
		[ -s "$CACHE/$(mod_dest "$i" "${MODULES[$i]}")" ] || return 1
	done
}
if complete; then
	exit 0
fi

# Two harness runs may start on an empty cache at once: serialise the fetch.
mkdir -p "$CACHE"
if command -v flock >/dev/null 2>&1; then
	exec 9>"$CACHE/.lock"
	flock 9
	if complete; then # the other run fetched it while we waited
		exit 0
	fi
fi

# busybox first: it is cheap to check and saves a 70 MB download on failure.
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || die "$BUSYBOX not found: install the busybox-static package"
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	die "$BUSYBOX is dynamically linked: install busybox-static (not busybox)"
fi

WORK=$(mktemp -d "$CACHE/.fetch.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
chmod 755 "$WORK" # mktemp makes it 0700; _apt must traverse it (below)

# apt-get download as root drops to user _apt for the transfer and warns
# ("Download is performed unsandboxed as root...") when _apt cannot write
# the target directory, so give _apt the download directory.
mkdir "$WORK/dl"
if [ "$(id -u)" -eq 0 ] && getent passwd _apt >/dev/null 2>&1; then
	chown _apt "$WORK/dl" 2>/dev/null || true
fi
echo "fetch.sh: downloading $PKG ($VER)" >&2
(cd "$WORK/dl" && apt-get download -q "$PKG=$VER") >&2 ||
	die "apt-get download $PKG=$VER failed (network? stale lists: try apt-get update)"
DEB=$(find "$WORK/dl" -maxdepth 1 -name '*.deb' | head -n1)
[ -n "$DEB" ] || die "apt-get download $PKG left no .deb"

mkdir "$WORK/x"
dpkg-deb -x "$DEB" "$WORK/x" || die "dpkg-deb -x $DEB failed"
rm -f "$DEB" # 70 MB; the stamp is what makes re-runs cheap

KVER=${PKG#linux-image-}
VMLINUZ="$WORK/x/boot/vmlinuz-$KVER"
[ -s "$VMLINUZ" ] || die "$PKG has no boot/vmlinuz-$KVER"
MODDIR="$WORK/x/lib/modules/$KVER"
[ -d "$MODDIR" ] || MODDIR="$WORK/x/usr/lib/modules/$KVER"
[ -d "$MODDIR" ] || die "$PKG has no lib/modules/$KVER"

# Stage into a fresh directory and swap it in, so an interrupted fetch never
# leaves a half-updated cache that looks complete.
NEW="$WORK/new"
mkdir -p "$NEW/modules"
cp "$VMLINUZ" "$NEW/vmlinuz"
cp "$BUSYBOX" "$NEW/busybox"
for i in "${!MODULES[@]}"; do
	m=${MODULES[$i]}
	dst="$NEW/$(mod_dest "$i" "$m")"
	# busybox insmod has no xz support: store modules uncompressed.
	if [ -f "$MODDIR/$m" ]; then
		cp "$MODDIR/$m" "$dst"
	elif [ -f "$MODDIR/$m.xz" ]; then
		xz -dc "$MODDIR/$m.xz" >"$dst"
	elif [ -f "$MODDIR/$m.zst" ] && command -v zstd >/dev/null 2>&1; then
		zstd -qdc "$MODDIR/$m.zst" >"$dst"
	else
		die "$PKG has no module $m (or .xz/.zst)"
	fi
done

# The bzImage decompresses itself in L1, i.e. in emulated code: ~3 s of the
# ~6 s boot here. Extract the ELF vmlinux once (as the kernel's
# scripts/extract-vmlinux does: find the xz stream, decompress) and keep it
# only if it has a PVH entry (ELF note type 0x12, XEN_ELFNOTE_PHYS32_ENTRY),
# which QEMU's -kernel needs to boot an ELF kernel.
extract_vmlinux() {
	local off
	command -v readelf >/dev/null 2>&1 || return 1
	while IFS=: read -r off _; do
		# xz exits non-zero on the padding after the stream: judge the
		# result by its ELF notes instead.
		tail -c +$((off + 1)) "$NEW/vmlinuz" | xz -dcq >"$NEW/vmlinux" 2>/dev/null || true
		if readelf -n "$NEW/vmlinux" 2>/dev/null | grep -q 'note type: (0x00000012)'; then
			return 0
		fi
	done < <(LC_ALL=C grep -abo $'\xfd7zXZ' "$NEW/vmlinuz")
	rm -f "$NEW/vmlinux"
	return 1
}
if ! extract_vmlinux; then
	echo "fetch.sh: note: no PVH vmlinux in $PKG (or no readelf): L1 boots the slower bzImage" >&2
	: >"$NEW/vmlinux.none"
fi

rm -rf "$CACHE/vmlinuz" "$CACHE/vmlinux" "$CACHE/vmlinux.none" "$CACHE/busybox" \
	"$CACHE/modules" "$CACHE/STAMP"
mv "$NEW"/* "$CACHE/"
echo "$STAMP" >"$CACHE/STAMP"
echo "fetch.sh: cached $STAMP in $CACHE" >&2
