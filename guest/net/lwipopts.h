/* SPDX-License-Identifier: MIT */
/*
 * guest/net/lwipopts.h - lwIP 2.1's configuration for perfkern (lwIP's
 * src/include/lwip/opt.h lists every option): NO_SYS (no threads, no
 * locks: the raw API on one executor), IPv4 with ARP, ICMP, UDP, TCP and
 * DHCP, lwIP's own heap and pools in static memory, timers driven by the
 * caller (sys_check_timeouts). One instance per CPU is the plan
 * (docs/network.md); this file describes one.
 */
#ifndef PK_LWIPOPTS_H
#define PK_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0 /* one executor owns the instance */
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_NETIF_API 0

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define LWIP_DNS 0
#define LWIP_IGMP 0
#define LWIP_AUTOIP 0
#define LWIP_RAW 0
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1

/* memory: lwIP's heap (PBUF_RAM, the copies tcp_write makes) is the
 * kernel's per-core heap, the heap of the CPU that owns the instance; the
 * fixed-size pools (PCBs, segments, the receive pbufs) stay lwIP's static
 * arrays, one set per stack copy, so their counts still bound what a
 * flood of connections can take. Each copy having its own 1 MiB heap
 * array made the kernel 1 MiB bigger per CPU (docs/network.md). */
#include <stddef.h>
void *kmalloc(size_t n);
void kfree(void *p);
void *kcalloc(size_t nmemb, size_t size);
#define MEM_LIBC_MALLOC 1
#define mem_clib_malloc kmalloc
#define mem_clib_free kfree
#define mem_clib_calloc kcalloc
#define MEMP_MEM_MALLOC 0
#define MEM_ALIGNMENT 8
#define PBUF_POOL_SIZE 256
#define MEMP_NUM_TCP_PCB 64
#define MEMP_NUM_TCP_PCB_LISTEN 8
#define MEMP_NUM_TCP_SEG 512
#define MEMP_NUM_UDP_PCB 8

/* TCP: a 1460-byte MSS on a 1500-byte MTU, windows that keep a LAN busy */
#define TCP_MSS 1460
#define TCP_WND (32 * TCP_MSS)
#define TCP_SND_BUF (32 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)

/* checksums in software both ways (no offloads are negotiated) */
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_UDP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_UDP 1
#define CHECKSUM_CHECK_TCP 1

#define LWIP_STATS 0
#define LWIP_PROVIDE_ERRNO 1

#endif
