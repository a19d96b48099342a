# perfkern front door: thin wrappers around tools/deps.sh, CMake and CTest.
#   make run    build, then boot the kernel (run=demo) in the vmm (nested KVM without /dev/kvm)
#   make test   build, then the whole CTest suite (ctest's summary at the end)
#   make fuzz   build, then every libFuzzer target for FUZZ_TIME seconds
#               (FUZZ_TARGET=name for one; docs/fuzzing.md)
# Variables: PK_MARCH=x86-64-v3|x86-64|native..., BUILD=build, SMP=N, MEM=512M,
#            CPU=max, CMDLINE="run=demo", ACCEL=tcg|kvm, CTEST_ARGS=...

BUILD ?= build
PK_MARCH ?= x86-64-v3
JOBS ?= $(shell nproc)
SMP ?= $(shell nproc)
MEM ?= 512M
CPU ?= max
ACCEL ?= tcg
CMDLINE ?= run=demo
CTEST_ARGS ?=

QEMU_RUN = python3 tools/qemu_run.py --image $(BUILD)/bin/guest.elf --cpu $(CPU) \
	--smp $(SMP) --mem $(MEM) --accel $(ACCEL) --cmdline "$(CMDLINE)"

.PHONY: all deps configure build run test fuzz bench bench-heap bench-net iso qemu qemu-gdb format clean pxe watch asm

all: build

deps:
	@sh tools/deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DPK_MARCH=$(PK_MARCH) >/dev/null
	@ln -sfn $(BUILD)/compile_commands.json compile_commands.json # for clangd

build: configure
	@cmake --build $(BUILD) -j$(JOBS)

# The vmm on this host's KVM, or inside the nested-KVM harness without one.
run: build
	@tools/run.sh $(BUILD) $(CMDLINE)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) $(CTEST_ARGS)

# libFuzzer targets (fuzz/), new inputs kept in $(BUILD)/fuzz/corpus.
FUZZ_TIME ?= 60
FUZZ_TARGET ?=
fuzz: build
	@sh fuzz/run.sh fuzz $(BUILD) $(FUZZ_TIME) $(FUZZ_TARGET)

# Benchmark suites: CSV in bench/results/, charts in plots/, tables in docs/benchmarks.md.
BENCH_ROUNDS ?= 10
PERF_BENCH_ROUNDS ?= 5
BENCH_REPEATS ?= 5
APPS_BENCH_ROUNDS ?= 5
NET_BENCH_ROUNDS ?= 3
bench: build
	bench/boot/run.sh $(BUILD) $(BENCH_ROUNDS)
	bench/heap/run.sh $(BUILD) $(BENCH_REPEATS)
	bench/heap/guest.sh $(BUILD)
	bench/pages/run.sh $(BUILD)
	bench/sched/run.sh $(BUILD)
	bench/perf/run.sh $(BUILD) $(PERF_BENCH_ROUNDS)
	bench/apps/run.sh $(BUILD) $(APPS_BENCH_ROUNDS)
	bench/net/run.sh $(BUILD) $(NET_BENCH_ROUNDS)
	python3 bench/tables.py

# Just the net suite (redis-benchmark and wrk, the vmm vs a Linux guest).
bench-net: build
	bench/net/run.sh $(BUILD) $(NET_BENCH_ROUNDS)
	python3 bench/tables.py

# Just the heap suite (glibc/libkheap/mimalloc/jemalloc/tcmalloc, a few minutes).
bench-heap: build
	bench/heap/run.sh $(BUILD) $(BENCH_REPEATS)
	python3 bench/tables.py

# FILES=dir: a cpio initrd of dir, mounted at / (docs/files.md); APP=prog
# ARGS="...": the first entry runs app=/prog ARGS (prog inside FILES or a
# host file); CMDLINE= still sets the rest of that entry's command line.
FILES ?=
APP ?=
ARGS ?=
iso: build
	tools/mkiso.sh $(BUILD)/bin/guest.elf $(BUILD)/bin/guest.iso \
		$(if $(filter command line environment,$(origin CMDLINE)),--cmdline "$(CMDLINE)") \
		$(if $(FILES),--files "$(FILES)") $(if $(APP),--app "$(APP)") \
		$(if $(ARGS),--args "$(ARGS)")

# Network boot: GRUB PXE tree in $(BUILD)/pxe (docs/boot.md).
pxe: build
	tools/mkpxe.sh $(BUILD)/bin/guest.elf $(BUILD)/pxe --cmdline "$(CMDLINE)"

# Edit loop: rebuild and reboot on every source change (inotify-tools).
watch: configure
	tools/watch.sh $(BUILD) "$(CMDLINE)"

# Disassembly $(BUILD)/guest.lst and linker map $(BUILD)/guest.map; FN=name
# also prints that one function.
asm: build
	@ls -l $(BUILD)/guest.lst $(BUILD)/guest.map
	@if [ -n "$(FN)" ]; then objdump -d --no-show-raw-insn -M intel \
		--disassemble=$(FN) $(BUILD)/bin/guest.elf | sed -n '/^[0-9a-f]* <$(FN)>:/,/^$$/p'; fi

# QEMU (TCG by default) on the terminal: serial and monitor multiplexed (Ctrl-A C monitor, Ctrl-A X quit).
qemu: build
	$(QEMU_RUN) --interactive

# QEMU halted at the first instruction, gdb stub on :1234 (docs/debugging.md).
qemu-gdb: build
	@echo "qemu-gdb: waiting for gdb on :1234 - gdb $(BUILD)/bin/guest.elf -ex 'target remote :1234'"
	$(QEMU_RUN) --interactive --qemu-arg=-s --qemu-arg=-S

format:
	tools/format.sh

clean:
	rm -rf $(BUILD)
