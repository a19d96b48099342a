#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tools/mkiso.sh ELF OUT.iso [--cmdline "run=tests"] [--timeout SEC]
#                 [--files DIR] [--app PROG [--args "ARGS"]]
#
# Build a hybrid BIOS + UEFI bootable GRUB image of the kernel with
# grub-mkrescue: boot it in QEMU with -cdrom, or dd it to a USB stick.
# GRUB talks on the first serial port (115200 8N1) and the screen alike;
# the first menu entry boots the kernel with --cmdline (default run=demo),
# and fixed entries for run=tests and run=demo follow so a person at the
# machine can pick one. --timeout is the menu delay in seconds (default 3,
# 0 boots the default entry at once, as the CTest runs do).
#
# Files (docs/files.md): --files DIR packs DIR into a cpio newc archive
# that GRUB loads as a multiboot2 module in every entry; the kernel mounts
# it read-only at /. --app PROG names the program the first entry runs:
# a file inside DIR (PROG relative to it, e.g. bin/wc) or a host file,
# which is added at the archive's root; the first entry's command line
# then gets `app=/PATH ARGS` after --cmdline (default: nothing else).
#
# Quiet on success apart from one line naming what was written; on failure
# a message naming the problem (and, for a missing tool, the Debian package
# that provides it) and a non-zero exit.
set -euo pipefail

prog=mkiso.sh

die() {
	echo "$prog: $*" >&2
	exit 1
}

usage() {
	echo "usage: $prog ELF OUT.iso [--cmdline \"run=tests\"] [--timeout SEC] [--files DIR]" \
		"[--app PROG [--args \"ARGS\"]]" >&2
	exit 2
}

cmdline=""
cmdline_set=0
timeout=3
files=""
app=""
app_args=""
args=()
while (($#)); do
	case $1 in
	--cmdline)
		(($# >= 2)) || usage
		cmdline=$2
		cmdline_set=1
		shift 2
		;;
	--cmdline=*)
		cmdline=${1#*=}
		cmdline_set=1
		shift
		;;
	--files | --app | --args)
		(($# >= 2)) || usage
		case $1 in
		--files) files=$2 ;;
		--app) app=$2 ;;
		--args) app_args=$2 ;;
		esac
		shift 2
		;;
	--timeout)
		(($# >= 2)) || usage
		timeout=$2
		shift 2
		;;
	--timeout=*)
		timeout=${1#*=}
		shift
		;;
	-h | --help)
		usage
		;;
	--)
		shift
		args+=("$@")
		break
		;;
	-*)
		echo "$prog: unknown option $1" >&2
		usage
		;;
	*)
		args+=("$1")
		shift
		;;
	esac
done
((${#args[@]} == 2)) || usage
elf=${args[0]}
out=${args[1]}

[[ $timeout =~ ^[0-9]+$ ]] || die "--timeout: '$timeout' is not a whole number of seconds"
[[ -z $files || -d $files ]] || die "--files $files: not a directory"
[[ -n $app || -z $app_args ]] || die "--args needs --app"
# the program's path in the archive: inside --files, or a host file added
# at the archive's root
app_host="" app_guest=""
if [[ -n $app ]]; then
	if [[ -n $files && -f $files/$app ]]; then
		app_guest=/${app#/}
	elif [[ -f $app ]]; then
		app_host=$app
		app_guest=/$(basename -- "$app")
	else
		die "--app $app: no such file${files:+ in $files} or on the host"
	fi
	[[ $app_guest != *[[:space:]]* ]] || die "--app $app: the path must not contain spaces"
	cmdline="${cmdline:+$cmdline }app=$app_guest${app_args:+ $app_args}"
elif ((!cmdline_set)); then
	cmdline="run=demo"
fi
[[ $cmdline != *[$'\n\r']* ]] || die "--cmdline/--args: must be a single line"

# Tools, and the GRUB platform directories grub-mkrescue silently skips
# (leaving a BIOS-only or UEFI-only image) when they are missing.
need_tool() {
	command -v "$1" >/dev/null 2>&1 || die "$1 not found; install the Debian package $2"
}
need_tool grub-mkrescue grub-common
need_tool grub-file grub-common
need_tool xorriso xorriso
need_tool mformat mtools
[[ -z $files && -z $app ]] || need_tool cpio cpio
grub_lib=/usr/lib/grub
[[ -f $grub_lib/i386-pc/moddep.lst ]] ||
	die "$grub_lib/i386-pc missing (BIOS boot); install the Debian package grub-pc-bin"
[[ -f $grub_lib/x86_64-efi/moddep.lst ]] ||
	die "$grub_lib/x86_64-efi missing (UEFI boot); install the Debian package grub-efi-amd64-bin"

# The kernel: an x86-64 ELF64 (ELF header: magic, EI_CLASS at 4, e_machine
# at 18, little-endian).
[[ -e $elf ]] || die "$elf: no such file"
[[ -f $elf && -r $elf ]] || die "$elf: not a readable file"
hdr=$(od -An -tx1 -N20 -v -- "$elf" | tr -d ' \n')
[[ ${hdr:0:8} == 7f454c46 ]] || die "$elf: not an ELF file"
[[ ${hdr:8:2} == 02 ]] || die "$elf: not a 64-bit ELF (EI_CLASS=${hdr:8:2})"
[[ ${hdr:36:4} == 3e00 ]] || die "$elf: not an x86-64 ELF (e_machine=0x${hdr:38:2}${hdr:36:2})"
if ! grub-file --is-x86-multiboot2 "$elf"; then
	# Not fatal (any ELF makes an image), but GRUB will refuse to boot it.
	echo "$prog: warning: $elf has no multiboot2 header; GRUB will not boot it" >&2
fi

# GRUB script quoting: the command line is split into words at whitespace
# and each word single-quoted (a quote inside becomes '\''), so $, ;, { and
# quotes reach the kernel as typed instead of being interpreted by GRUB.
grub_quote() {
	local q="'\\''"
	printf "'%s'" "${1//\'/$q}"
}
grub_words() {
	local w words=() sep=""
	read -r -a words <<<"$1" || true
	for w in "${words[@]}"; do
		printf '%s%s' "$sep" "$(grub_quote "$w")"
		sep=" "
	done
}
entry() { # entry TITLE CMDLINE
	printf 'menuentry %s {\n' "$(grub_quote "$1")"
	printf '\tmultiboot2 /boot/guest.elf %s\n' "$(grub_words "$2")"
	# the initrd: mounted read-only at / (guest/fs/fs_init.c)
	[[ -z $files && -z $app ]] || printf '\tmodule2 /boot/files.cpio files.cpio\n'
	printf '\tboot\n}\n\n'
}

# work/iso is what goes into the image; the log stays outside it.
work=$(mktemp -d "${TMPDIR:-/tmp}/mkiso.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
stage=$work/iso
log=$work/mkrescue.log
mkdir -p "$stage/boot/grub"
cp -- "$elf" "$stage/boot/guest.elf"
if [[ -n $files || -n $app ]]; then
	# owner root, sorted names: the same tree makes the same archive
	tree=$work/files
	mkdir -p "$tree"
	[[ -z $files ]] || cp -a -- "$files/." "$tree/"
	[[ -z $app_host ]] || cp -- "$app_host" "$tree$app_guest"
	(cd "$tree" && find . -print | LC_ALL=C sort |
		cpio -o -H newc --quiet -R 0:0 >"$stage/boot/files.cpio") ||
		die "cpio could not pack ${files:-$app}"
fi
{
	echo "# generated by tools/mkiso.sh"
	echo "set timeout=$timeout"
	echo "set default=0"
	echo "serial --unit=0 --speed=115200"
	echo "terminal_input serial console"
	echo "terminal_output serial console"
	# UEFI has no text mode to switch to: keep the firmware's mode so GRUB
	# does not print "no suitable video mode" before the kernel's output.
	# shellcheck disable=SC2016 # $grub_platform is GRUB's, not ours
	echo 'if [ "$grub_platform" = efi ]; then set gfxpayload=keep; fi'
	echo
	entry "perfkern ($cmdline)" "$cmdline"
	entry "perfkern: run the tests (run=tests)" "run=tests"
	entry "perfkern: demo (run=demo)" "run=demo"
} >"$stage/boot/grub/grub.cfg"

# Build next to the target and rename at the end, so OUT is never a
# half-written image (make/CTest would take it as up to date).
outdir=$(dirname -- "$out")
if ! mkdir -p -- "$outdir" 2>/dev/null || [[ ! -w $outdir ]]; then
	die "$outdir: cannot write the image there"
fi
[[ ! -d $out ]] || die "$out: is a directory"
tmp_iso=$(mktemp "$outdir/.mkiso.XXXXXX" 2>/dev/null) || die "$outdir: cannot write the image there"
trap 'rm -rf -- "$work"; rm -f -- "$tmp_iso"' EXIT
if ! grub-mkrescue -o "$tmp_iso" "$stage" >"$log" 2>&1; then
	cat -- "$log" >&2
	die "grub-mkrescue failed (its output above)"
fi

# grub-mkrescue drops a platform without saying so; make sure both El
# Torito boot images (BIOS and UEFI) made it in.
report=$(xorriso -indev "$tmp_iso" -report_el_torito plain 2>/dev/null) ||
	die "$out: xorriso cannot read the image just built"
for plat in BIOS UEFI; do
	if ! grep -q "^El Torito boot img *: *[0-9]* *$plat " <<<"$report"; then
		cat -- "$log" >&2
		die "$out: grub-mkrescue made no $plat boot image (its output above)"
	fi
done
chmod 644 -- "$tmp_iso"
mv -f -- "$tmp_iso" "$out"
extra=""
[[ ! -f $stage/boot/files.cpio ]] ||
	extra=", files.cpio $(($(stat -c %s -- "$stage/boot/files.cpio") / 1024)) KiB"
echo "$prog: wrote $out ($(($(stat -c %s -- "$out") / 1024)) KiB, BIOS+UEFI$extra, default: $cmdline)"
