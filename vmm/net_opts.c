/* SPDX-License-Identifier: MIT */
/* vmm/net_opts.c - parsing `--net` (net.h). Pure: the unit test calls it. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

#define GUEST_DEFAULT 0x0a00020fu /* 10.0.2.15, slirp's first DHCP address */

static int net_addr(const char *s, size_t n, uint32_t dflt, uint32_t *out)
{
	char buf[16];
	if (n == 0) {
		*out = dflt;
		return 0;
	}
	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	struct in_addr a;
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

static int net_port(const char *s, size_t n, uint16_t *out)
{
	if (n == 0 || n > 5 || strspn(s, "0123456789") < n)
		return -1;
	unsigned long v = strtoul(s, 0, 10);
	if (v < 1 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* tcp:[HOSTADDR]:HPORT-[GUESTADDR]:GPORT, n bytes at s */
static int net_fwd(const char *s, size_t n, struct net_fwd *f)
{
	const char *end = s + n, *p;
	if (n > 4 && !strncmp(s, "tcp:", 4))
		f->udp = false;
	else if (n > 4 && !strncmp(s, "udp:", 4))
		f->udp = true;
	else
		return -1;
	s += 4;
	const char *dash = memchr(s, '-', (size_t)(end - s));
	if (!dash)
		return -1;
	p = memchr(s, ':', (size_t)(dash - s));
	if (!p || net_addr(s, (size_t)(p - s), 0x7f000001u, &f->host_addr) < 0 ||
	    net_port(p + 1, (size_t)(dash - p - 1), &f->host_port) < 0)
		return -1;
	s = dash + 1;
	p = memchr(s, ':', (size_t)(end - s));
	if (!p || net_addr(s, (size_t)(p - s), GUEST_DEFAULT, &f->guest_addr) < 0 ||
	    net_port(p + 1, (size_t)(end - p - 1), &f->guest_port) < 0)
		return -1;
	return 0;
}

int net_parse(const char *arg, struct net_opts *o, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	if (!strncmp(arg, "tap:", 4)) {
		const char *name = arg + 4;
		size_t n = strlen(name);
		if (n == 0 || n >= sizeof(o->ifname) || strpbrk(name, "/ \t,:")) {
			snprintf(err, errlen,
				 "tap:IFNAME needs an interface name of 1..15 "
				 "characters without '/', ',', ':' or spaces");
			return -1;
		}
		o->kind = NET_TAP;
		memcpy(o->ifname, name, n + 1);
		return 0;
	}
	if (strncmp(arg, "user", 4) || (arg[4] && arg[4] != ',')) {
		snprintf(err, errlen, "expected tap:IFNAME or user[,hostfwd=...]");
		return -1;
	}
	o->kind = NET_USER;
	const char *s = arg + 4;
	while (*s == ',') {
		s++;
		size_t n = strcspn(s, ",");
		if (n > 8 && !strncmp(s, "hostfwd=", 8)) {
			if (o->nfwd == NET_MAX_FWD) {
				snprintf(err, errlen, "at most %d hostfwd= rules", NET_MAX_FWD);
				return -1;
			}
			if (net_fwd(s + 8, n - 8, &o->fwd[o->nfwd]) < 0) {
				snprintf(err, errlen,
					 "'%.*s': expected hostfwd=tcp|udp:[HOSTADDR]:HPORT-"
					 "[GUESTADDR]:GPORT",
					 (int)n, s);
				return -1;
			}
			o->nfwd++;
		} else {
			snprintf(err, errlen, "unknown user-network option '%.*s'", (int)n, s);
			return -1;
		}
		s += n;
	}
	return 0;
}
