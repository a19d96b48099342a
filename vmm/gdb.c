/* SPDX-License-Identifier: MIT */
/*
 * vmm/gdb.c - gdb remote stub (`vmm --gdb PATH`, or `--gdb tcp:PORT`),
 * all-stop mode, one gdb thread per vCPU (thread id = vCPU index + 1).
 * The socket is made at setup (dbg_sock.c: 0600, peer uid checked); its
 * own thread accepts one client at a time, decodes packets with
 * gdb_proto.c, and stops/resumes vCPUs through pause.c. A bad request
 * gets an E reply or '-'; a stream that is not gdb (gdb_proto.h,
 * GDB_RX_DROP) loses its connection. Any end of a session (detach,
 * disconnect, drop) clears the breakpoints and resumes the guest.
 * Packets: gdb docs Appendix E.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "dbg_sock.h"
#include "gdb.h"
#include "gdb_proto.h"
#include "kvm.h"
#include "sandbox.h"

#define SIG_INT 2
#define SIG_TRAP 5

struct gdb {
	struct vm *vm;
	struct dbg_sock sock;
	int fd;
	bool noack, running;
	unsigned g_cpu, c_cpu; /* Hg / Hc selections (vCPU index) */
	int step_cpu;	       /* -1 or the vCPU being single-stepped */
	struct gdb_rx rx;
	char last[2 * GDB_PACKET_MAX + 8]; /* framed last reply, for '-' */
	long last_len;
	char reply[GDB_PACKET_MAX + 1];
	uint8_t bin[GDB_PACKET_MAX];
};
/* --gdb PATH (a Unix socket) or --gdb tcp:PORT. A bare number was the
 * old TCP form: refused with a pointer to tcp:PORT rather than silently
 * becoming a socket file named "1234" in the current directory. */
static int gdb_opt(const char *arg, struct vmm_opts *o)
{
	char *end;
	if (!strncmp(arg, "tcp:", 4)) {
		const char *n = arg + 4;
		errno = 0;
		unsigned long p = strtoul(n, &end, 10);
		if (errno || *end || end == n || *n == '-' || *n == '+' || p < 1 || p > 65535) {
			fprintf(stderr, "vmm: --gdb %s: expected tcp:PORT with PORT 1..65535\n",
				arg);
			return -1;
		}
		o->gdb_port = (unsigned)p;
		o->gdb_path = 0;
		return 0;
	}
	if (!*arg) {
		fprintf(stderr, "vmm: --gdb needs a socket path (or tcp:PORT)\n");
		return -1;
	}
	if (arg[strspn(arg, "0123456789")] == 0) {
		fprintf(stderr,
			"vmm: --gdb %s: a bare port is not accepted; use --gdb PATH for a Unix "
			"socket (mode 0600, owner only) or --gdb tcp:%s for TCP on 127.0.0.1 "
			"(any local user can connect)\n",
			arg, arg);
		return -1;
	}
	o->gdb_path = arg;
	o->gdb_port = 0;
	return 0;
}

VMM_OPTION(gdb, .name = "gdb", .arg = "PATH", .parse = gdb_opt,
	   .help = "gdb stub on Unix socket PATH, mode 0600 (gdb: target remote PATH)\n"
		   "--gdb tcp:PORT: on 127.0.0.1:PORT instead, ANY local user can connect");

VMM_OPTION(gdb_wait, .name = "gdb-wait", VMM_FLAG(gdb_wait),
	   .help = "with --gdb: vCPUs wait for gdb before the first instruction");

static struct gdb the_gdb = {.fd = -1, .sock.lfd = -1};

static void gdb_write(struct gdb *g, const char *buf, size_t len)
{
	while (len && g->fd >= 0) {
		ssize_t n = send(g->fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* closed, or not read for DBG_SEND_TIMEOUT_S: end the
			 * session (recv sees the shutdown) rather than wait */
			shutdown(g->fd, SHUT_RDWR);
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

static void gdb_send(struct gdb *g, const void *payload, size_t len)
{
	g->last_len = gdb_encode(payload, len, true, g->last, sizeof(g->last));
	if (g->last_len > 0)
		gdb_write(g, g->last, (size_t)g->last_len);
}

static void gdb_send_str(struct gdb *g, const char *s)
{
	gdb_send(g, s, strlen(s));
}

static void gdb_send_err(struct gdb *g, int err)
{
	char e[8];
	snprintf(e, sizeof(e), "E%02x", err & 0xff);
	gdb_send_str(g, e);
}

/* thread-id: hex > 0, "-1" all, "0" any; *idx = vCPU index or -1/-2 */
static int gdb_parse_thread(struct gdb *g, const char **s, long *idx)
{
	uint64_t t;
	if (**s == '-' && (*s)[1] == '1') {
		*s += 2;
		*idx = -1;
		return 0;
	}
	if (gdb_parse_u64(s, &t) < 0)
		return -1;
	if (t == 0) {
		*idx = -2; /* any */
		return 0;
	}
	if (t > g->vm->ncpus)
		return -1;
	*idx = (long)t - 1;
	return 0;
}

static struct vcpu *gdb_vcpu(struct gdb *g)
{
	return &g->vm->vcpus[g->g_cpu];
}

/* T stop reply for the current stop: the event a vCPU recorded, or sig */
static void gdb_stop_reply(struct gdb *g, int sig)
{
	struct vm_dbg *d = g->vm->dbg;
	char r[128], why[48] = "";
	unsigned cpu = g->c_cpu;
	if (d->event_cpu >= 0) {
		cpu = (unsigned)d->event_cpu;
		sig = SIG_TRAP;
		const struct kvm_debug_exit_arch *e = &d->event;
		if (e->exception == 3) { /* #BP from one of our int3s */
			snprintf(why, sizeof(why), "swbreak:;");
		} else if (e->exception == 1 && (e->dr6 & 0xf)) {
			/* DR6 B0-B3 say which slot fired (SDM Vol 3B 18.2.3) */
			unsigned n = (unsigned)__builtin_ctzll(e->dr6 & 0xf);
			const struct dbg_hw_slot *s = &d->hw[n];
			const char *kind = s->type == HW_EXEC	 ? "hwbreak"
					   : s->type == HW_WRITE ? "watch"
					   : s->type == HW_READ	 ? "rwatch"
								 : "awatch";
			if (s->type == HW_EXEC)
				snprintf(why, sizeof(why), "hwbreak:;");
			else
				snprintf(why, sizeof(why), "%s:%llx;", kind,
					 (unsigned long long)s->addr);
		}
	}
	g->g_cpu = g->c_cpu = cpu;
	snprintf(r, sizeof(r), "T%02xthread:%x;%s", sig, cpu + 1, why);
	gdb_send_str(g, r);
}

/* stop everything (Ctrl-C, or an event some vCPU recorded) and report */
static void gdb_stop(struct gdb *g, int sig)
{
	struct vm *vm = g->vm;
	pause_all(vm);
	g->running = false;
	if (g->step_cpu >= 0) {
		vm->dbg->cpu[g->step_cpu].step = false;
		g->step_cpu = -1;
	}
	pause_apply_debug(vm, true);
	gdb_stop_reply(g, sig);
}

static void gdb_resume(struct gdb *g, int step_cpu)
{
	struct vm *vm = g->vm;
	g->running = true;
	g->step_cpu = step_cpu;
	if (step_cpu >= 0) {
		/* only this vCPU runs, one instruction; the others stay parked */
		vm->dbg->cpu[step_cpu].step = true;
		pause_apply_debug(vm, true);
		pause_step(vm, (unsigned)step_cpu);
	} else {
		pause_apply_debug(vm, true);
		pause_resume_all(vm);
	}
}

static void gdb_breakpoint(struct gdb *g, const char *p, bool insert)
{
	uint64_t type, addr, kind;
	if (gdb_parse_u64(&p, &type) < 0 || *p++ != ',' || gdb_parse_u64(&p, &addr) < 0 ||
	    *p++ != ',' || gdb_parse_u64(&p, &kind) < 0) {
		gdb_send_err(g, EINVAL);
		return;
	}
	if (type > 4) {
		gdb_send_str(g, ""); /* unsupported type */
		return;
	}
	int rc = gdb_bp_set(gdb_vcpu(g), (unsigned)type, addr, kind, insert);
	if (rc == 0)
		rc = pause_apply_debug(g->vm, true);
	if (rc < 0)
		gdb_send_err(g, -rc);
	else
		gdb_send_str(g, "OK");
}

/* m/M/X: "addr,len" then ':' data for the writes */
static void gdb_memory(struct gdb *g, char op, const char *p, size_t plen)
{
	const char *end = p + plen;
	uint64_t addr, len;
	if (gdb_parse_u64(&p, &addr) < 0 || *p++ != ',' || gdb_parse_u64(&p, &len) < 0) {
		gdb_send_err(g, EINVAL);
		return;
	}
	if (op == 'm') {
		if (len > sizeof(g->bin) / 2 - 8)
			len = sizeof(g->bin) / 2 - 8;
		long n = len ? dbg_mem_access(gdb_vcpu(g), addr, g->bin, len, false) : 0;
		if (n < 0) {
			gdb_send_err(g, EFAULT);
			return;
		}
		gdb_hex_encode(g->bin, (size_t)n, g->reply);
		gdb_send_str(g, g->reply);
		return;
	}
	if (*p++ != ':' || len > sizeof(g->bin)) {
		gdb_send_err(g, EINVAL);
		return;
	}
	size_t have = (size_t)(end - p);
	if (op == 'M') {
		if (gdb_hex_decode(p, have, g->bin, sizeof(g->bin)) != (long)len) {
			gdb_send_err(g, EINVAL);
			return;
		}
	} else {
		if (have != len) {
			gdb_send_err(g, EINVAL);
			return;
		}
		memcpy(g->bin, p, len);
	}
	if (len && dbg_mem_access(gdb_vcpu(g), addr, g->bin, len, true) != (long)len)
		gdb_send_err(g, EFAULT);
	else
		gdb_send_str(g, "OK");
}

static void gdb_query(struct gdb *g, const char *p)
{
	struct vm *vm = g->vm;
	if (!strncmp(p, "qSupported", 10)) {
		snprintf(g->reply, sizeof(g->reply),
			 "PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+;"
			 "QStartNoAckMode+;vContSupported+",
			 GDB_PACKET_MAX);
		gdb_send_str(g, g->reply);
	} else if (!strcmp(p, "qAttached")) {
		gdb_send_str(g, "1");
	} else if (!strcmp(p, "qfThreadInfo")) {
		size_t o = 0;
		g->reply[o++] = 'm';
		for (unsigned i = 0; i < vm->ncpus && o + 16 < sizeof(g->reply); i++)
			o += (size_t)snprintf(g->reply + o, sizeof(g->reply) - o, "%s%x",
					      i ? "," : "", i + 1);
		gdb_send(g, g->reply, o);
	} else if (!strcmp(p, "qsThreadInfo")) {
		gdb_send_str(g, "l");
	} else if (!strcmp(p, "qC")) {
		snprintf(g->reply, sizeof(g->reply), "QC%x", g->g_cpu + 1);
		gdb_send_str(g, g->reply);
	} else if (!strncmp(p, "qThreadExtraInfo,", 17)) {
		const char *s = p + 17;
		long idx;
		if (gdb_parse_thread(g, &s, &idx) < 0 || idx < 0) {
			gdb_send_err(g, EINVAL);
			return;
		}
		char name[32];
		int n = snprintf(name, sizeof(name), "CPU %ld", idx);
		gdb_hex_encode(name, (size_t)n, g->reply);
		gdb_send_str(g, g->reply);
	} else if (!strncmp(p, "qXfer:features:read:target.xml:", 31)) {
		const char *s = p + 31;
		uint64_t off, len;
		if (gdb_parse_u64(&s, &off) < 0 || *s++ != ',' || gdb_parse_u64(&s, &len) < 0) {
			gdb_send_err(g, EINVAL);
			return;
		}
		size_t xml_len;
		const char *xml = gdb_target_xml(&xml_len);
		if (off > xml_len) {
			gdb_send_err(g, EINVAL);
			return;
		}
		size_t left = xml_len - off;
		if (len > sizeof(g->reply) - 2)
			len = sizeof(g->reply) - 2;
		size_t n = left < len ? left : (size_t)len;
		g->reply[0] = n < left ? 'm' : 'l';
		memcpy(g->reply + 1, xml + off, n);
		gdb_send(g, g->reply, n + 1);
	} else if (!strncmp(p, "qXfer:", 6)) {
		gdb_send_err(g, ENOENT); /* other annexes/objects */
	} else if (!strncmp(p, "qSymbol", 7)) {
		gdb_send_str(g, "OK");
	} else {
		gdb_send_str(g, ""); /* unsupported: the protocol's empty reply */
	}
}

/* vCont;ACTION[:thread]...: a step anywhere makes only that vCPU run
 * (the others stay stopped, like gdb's scheduler-locking for steps) */
static void gdb_vcont(struct gdb *g, const char *p)
{
	int step = -1;
	bool any = false;
	while (*p == ';') {
		char act = p[1];
		p += 2;
		if (act == 'C' || act == 'S') { /* signal number: ignored */
			uint64_t sig;
			if (gdb_parse_u64(&p, &sig) < 0)
				goto bad;
			act = act == 'C' ? 'c' : 's';
		}
		long idx = -1;
		if (*p == ':') {
			p++;
			if (gdb_parse_thread(g, &p, &idx) < 0)
				goto bad;
		}
		if (act == 's' && step < 0)
			step = idx >= 0 ? (int)idx : (int)g->c_cpu;
		else if (act != 'c' && act != 's')
			goto bad;
		any = true;
	}
	if (*p || !any)
		goto bad;
	gdb_resume(g, step);
	return;
bad:
	gdb_send_err(g, EINVAL);
}

/* c/s [addr]: resume at addr when given */
static void gdb_cont(struct gdb *g, const char *p, bool step)
{
	if (*p) {
		uint64_t addr;
		uint8_t le[8];
		if (gdb_parse_u64(&p, &addr) < 0 || *p) {
			gdb_send_err(g, EINVAL);
			return;
		}
		memcpy(le, &addr, 8);
		if (gdb_reg_write(&g->vm->vcpus[g->c_cpu], 16, le, 8) < 0) {
			gdb_send_err(g, EIO);
			return;
		}
	}
	gdb_resume(g, step ? (int)g->c_cpu : -1);
}

static void gdb_detach_state(struct gdb *g)
{
	struct vm_dbg *d = g->vm->dbg;
	gdb_bp_clear_all(g->vm);
	for (unsigned i = 0; i < g->vm->ncpus; i++)
		d->cpu[i].step = false;
	pthread_mutex_lock(&d->lock);
	d->gdb_attached = false;
	pthread_mutex_unlock(&d->lock);
	pause_apply_debug(g->vm, false);
	pause_resume_all(g->vm);
	g->running = false;
}

/* one packet while stopped; returns -1 to end the session */
static int gdb_packet(struct gdb *g, char *p, size_t len)
{
	struct vm *vm = g->vm;
	long idx;
	long n;
	switch (p[0]) {
	case '?':
		gdb_stop_reply(g, SIG_TRAP);
		break;
	case 'q':
		gdb_query(g, p);
		break;
	case 'Q':
		if (!strcmp(p, "QStartNoAckMode")) {
			gdb_send_str(g, "OK");
			g->noack = true;
		} else {
			gdb_send_str(g, "");
		}
		break;
	case 'H': {
		const char *s = p + 2;
		if ((p[1] != 'g' && p[1] != 'c') || gdb_parse_thread(g, &s, &idx) < 0 || *s) {
			gdb_send_err(g, EINVAL);
			break;
		}
		if (idx >= 0)
			*(p[1] == 'g' ? &g->g_cpu : &g->c_cpu) = (unsigned)idx;
		gdb_send_str(g, "OK");
		break;
	}
	case 'T': {
		const char *s = p + 1;
		if (gdb_parse_thread(g, &s, &idx) < 0 || idx < 0 || *s)
			gdb_send_err(g, ESRCH);
		else
			gdb_send_str(g, "OK");
		break;
	}
	case 'g':
		n = gdb_regs_read_all(gdb_vcpu(g), g->bin, sizeof(g->bin) / 2);
		if (n < 0) {
			gdb_send_err(g, EIO);
			break;
		}
		gdb_hex_encode(g->bin, (size_t)n, g->reply);
		gdb_send_str(g, g->reply);
		break;
	case 'G':
		n = gdb_hex_decode(p + 1, len - 1, g->bin, sizeof(g->bin));
		if (n < 0 || gdb_regs_write_all(gdb_vcpu(g), g->bin, (size_t)n) < 0)
			gdb_send_err(g, n < 0 ? EINVAL : EIO);
		else
			gdb_send_str(g, "OK");
		break;
	case 'p': {
		const char *s = p + 1;
		uint64_t r;
		if (gdb_parse_u64(&s, &r) < 0 || *s || r > 1000 ||
		    (n = gdb_reg_read(gdb_vcpu(g), (unsigned)r, g->bin)) < 0) {
			gdb_send_err(g, EINVAL);
			break;
		}
		gdb_hex_encode(g->bin, (size_t)n, g->reply);
		gdb_send_str(g, g->reply);
		break;
	}
	case 'P': {
		const char *s = p + 1;
		uint64_t r;
		if (gdb_parse_u64(&s, &r) < 0 || *s++ != '=' || r > 1000 ||
		    (n = gdb_hex_decode(s, strlen(s), g->bin, sizeof(g->bin))) < 0 ||
		    gdb_reg_write(gdb_vcpu(g), (unsigned)r, g->bin, (size_t)n) < 0)
			gdb_send_err(g, EINVAL);
		else
			gdb_send_str(g, "OK");
		break;
	}
	case 'm':
	case 'M':
	case 'X':
		gdb_memory(g, p[0], p + 1, len - 1);
		break;
	case 'Z':
	case 'z':
		gdb_breakpoint(g, p + 1, p[0] == 'Z');
		break;
	case 'c':
	case 's':
		gdb_cont(g, p + 1, p[0] == 's');
		break;
	case 'v':
		if (!strcmp(p, "vCont?"))
			gdb_send_str(g, "vCont;c;C;s;S");
		else if (!strncmp(p, "vCont;", 6))
			gdb_vcont(g, p + 5);
		else if (!strncmp(p, "vKill", 5)) {
			gdb_send_str(g, "OK");
			fprintf(stderr, "vmm: killed from gdb\n");
			vm_stop(vm, VMM_EXIT_SIGNAL);
			return -1;
		} else
			gdb_send_str(g, "");
		break;
	case 'D':
		gdb_detach_state(g);
		gdb_send_str(g, "OK");
		return -1;
	case 'k':
		fprintf(stderr, "vmm: killed from gdb\n");
		vm_stop(vm, VMM_EXIT_SIGNAL);
		return -1;
	default:
		gdb_send_str(g, "");
	}
	return 0;
}

static void gdb_session(struct gdb *g)
{
	struct vm *vm = g->vm;
	struct vm_dbg *d = vm->dbg;
	g->noack = false;
	g->running = false;
	g->step_cpu = -1;
	g->last_len = 0;
	gdb_rx_init(&g->rx);
	pthread_mutex_lock(&d->owner);
	pthread_mutex_lock(&d->lock);
	d->gdb_attached = true;
	d->event_cpu = -1;
	pthread_mutex_unlock(&d->lock);
	/* gdb expects a stopped target on attach */
	pause_all(vm);
	pause_apply_debug(vm, true);
	g->g_cpu = g->c_cpu = 0;
	pthread_mutex_unlock(&d->owner);
	char buf[4096];
	for (;;) {
		struct pollfd pf[2] = {{.fd = g->fd, .events = POLLIN},
				       {.fd = d->wake_fd, .events = POLLIN}};
		int pr = poll(pf, 2, 200);
		if (atomic_load(&vm->stopping))
			return; /* gdb_notify_exit tells gdb */
		if (pr < 0 && errno != EINTR)
			break;
		if (pr <= 0)
			continue;
		if (pf[1].revents & POLLIN) {
			uint64_t cnt;
			if (read(d->wake_fd, &cnt, sizeof(cnt)) < 0) {
				/* EAGAIN: already drained */
			}
			pthread_mutex_lock(&d->owner);
			if (g->running && d->event_cpu >= 0)
				gdb_stop(g, SIG_TRAP);
			pthread_mutex_unlock(&d->owner);
		}
		if (!(pf[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ssize_t n = recv(g->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			enum gdb_rx_event e = gdb_rx_feed(&g->rx, (uint8_t)buf[i]);
			int rc = 0;
			pthread_mutex_lock(&d->owner);
			switch (e) {
			case GDB_RX_PACKET:
				if (!g->noack)
					gdb_write(g, "+", 1);
				if (!g->running && g->rx.len)
					rc = gdb_packet(g, g->rx.buf, g->rx.len);
				else if (!g->running)
					gdb_send_str(g, "");
				break;
			case GDB_RX_BADSUM:
				if (!g->noack)
					gdb_write(g, "-", 1);
				break;
			case GDB_RX_DROP:
				fprintf(stderr, "vmm: gdb: dropped the connection: %s\n",
					g->rx.why);
				rc = -1;
				break;
			case GDB_RX_NAK:
				if (g->last_len > 0)
					gdb_write(g, g->last, (size_t)g->last_len);
				break;
			case GDB_RX_INTR:
				if (g->running)
					gdb_stop(g, SIG_INT);
				break;
			default:
				break;
			}
			pthread_mutex_unlock(&d->owner);
			if (rc < 0)
				goto out;
		}
	}
out:
	/* closed or detached: the guest runs on without debugging */
	pthread_mutex_lock(&d->owner);
	if (d->gdb_attached)
		gdb_detach_state(g);
	pthread_mutex_unlock(&d->owner);
}

static void *gdb_thread(void *arg)
{
	struct gdb *g = arg;
	/* the vCPU kick signal and SIGINT/SIGTERM belong to other threads */
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, 0);
	if (sandbox_thread_enter(SB_DEBUG) < 0) {
		vm_stop(g->vm, VMM_EXIT_SANDBOX);
		return 0;
	}
	while (!atomic_load(&g->vm->stopping)) {
		int fd = dbg_sock_accept(&g->sock);
		if (fd < 0)
			return 0;
		g->fd = fd;
		gdb_session(g);
		g->fd = -1;
		close(fd);
	}
	return 0;
}

static void gdb_unlink(void)
{
	dbg_sock_unlink(&the_gdb.sock);
}

int gdb_setup(struct vm *vm, const char *path, unsigned port)
{
	struct gdb *g = &the_gdb;
	g->vm = vm;
	int rc = path ? dbg_sock_listen_unix(&g->sock, "--gdb", path)
		      : dbg_sock_listen_tcp(&g->sock, "--gdb", port);
	if (rc < 0)
		return rc;
	if (path)
		atexit(gdb_unlink);
	const char *wait = atomic_load(&vm->dbg->paused) ? " (vCPUs wait for gdb)" : "";
	if (path)
		fprintf(stderr, "vmm: gdb stub listening on %s (gdb: target remote %s)%s\n", path,
			path, wait);
	else
		fprintf(stderr, "vmm: gdb stub listening on 127.0.0.1:%u%s\n", port, wait);
	return 0;
}

int gdb_serve(struct vm *vm)
{
	struct gdb *g = &the_gdb;
	if (g->vm != vm || g->sock.lfd < 0)
		return -EINVAL;
	pthread_t t;
	int rc = vmm_thread_start(&t, gdb_thread, g);
	if (rc) {
		fprintf(stderr, "vmm: gdb: cannot start its thread: %s\n", strerror(rc));
		return -rc;
	}
	pthread_detach(t);
	return 0;
}

void gdb_notify_exit(struct vm *vm, int status)
{
	struct gdb *g = &the_gdb;
	if (g->vm != vm || g->fd < 0)
		return;
	char r[8];
	snprintf(r, sizeof(r), "W%02x", status & 0xff);
	char framed[16];
	long n = gdb_encode(r, strlen(r), false, framed, sizeof(framed));
	if (n > 0)
		gdb_write(g, framed, (size_t)n);
}
