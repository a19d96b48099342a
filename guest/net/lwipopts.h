/* SPDX-License-Identifier: MIT */
/*
 * guest/net/lwipopts.h - lwIP 2.1's configuration for perfkern (lwIP's
 * src/include/lwip/opt.h lists every option): NO_SYS (no threads, no
 * locks: the raw API on one executor), IPv4 with ARP, ICMP, UDP, TCP and
 * DHCP, lwIP's heap on the kernel's (per-CPU) heap and its pools in
 * static memory, timers driven by the
 * caller (sys_check_timeouts). One instance per CPU is the plan
 * (docs/netstack.md); this file describes one.
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

/* memory: lwIP's heap (PBUF_RAM, copied send data) is the kernel's heap,
 * not a 1 MiB static array, which would push the kernel image past a 2 MiB
 * page and make every boot, network or not, map one more huge page
 * (docs/boot.md "What a boot touches"). The pools stay static: their
 * MEMP_NUM_* counts are the limits a flood of connections or segments runs
 * into (MEMP_MEM_MALLOC would lift them), one set per stack copy, so
 * per CPU (guest/net/net_inst.h). On the kernel heap each copy's lwIP
 * heap is the per-core heap of the CPU the copy runs on. Send data per
 * connection is bounded by TCP_SND_BUF. */
#include "lib/heap/heap.h" /* kmalloc, kfree, kcalloc */
#define MEM_LIBC_MALLOC 1
#define mem_clib_malloc kmalloc
#define mem_clib_free kfree
#define mem_clib_calloc kcalloc
#define MEMP_MEM_MALLOC 0
#define MEM_ALIGNMENT 8
#define MEM_SIZE (1024 * 1024) /* sizes mem_size_t (32 bits) only */
/* Received frames are PBUF_RAM (lwip_port.c), from the per-core heap, so
 * the pool is all but unused: 256 pool pbufs (394 KB) in each of the
 * eight stack copies would put 3 MB of .bss into the image (docs/boot.md
 * "What a boot touches"). What a flood can hold is still bounded: each
 * of the MEMP_NUM_TCP_PCB connections by its window (TCP_WND). */
#define PBUF_POOL_SIZE 8
/* lwIP's TCP sanity checks assume received data sits in pool pbufs
 * (TCP_WND <= the pool); with PBUF_RAM frames that one no longer holds.
 * The others in that group passed with this configuration before it was
 * turned off. */
#define LWIP_DISABLE_TCP_SANITY_CHECKS 1
#define MEMP_NUM_TCP_PCB 64
#define MEMP_NUM_TCP_PCB_LISTEN 8
#define MEMP_NUM_TCP_SEG 512
#define MEMP_NUM_UDP_PCB 8

/* TCP: a 1460-byte MSS on a 1500-byte MTU, windows that keep a LAN busy */
#define TCP_MSS 1460
#define TCP_WND (32 * TCP_MSS)
#define TCP_SND_BUF (32 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
/* lwIP counts retransmission timeouts in ticks of its slow timer, twice
 * this interval (default 250 ms: a lost segment of a request waited 0.5-1
 * s, the stalls of docs/benchmarks.md "net"); 100 ms makes the tick 200
 * ms, Linux's minimum RTO, and the delayed ACK 100 ms */
#define TCP_TMR_INTERVAL 100

/* checksums in software both ways (no offloads are negotiated) */
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_UDP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_UDP 1
#define CHECKSUM_CHECK_TCP 1

#define LWIP_STATS 0
#define LWIP_PROVIDE_ERRNO 1

/* SO_REUSEADDR (include/perfkern/net.h PK_SO_REUSEADDR): a server bound
 * again while its old connections sit in TIME_WAIT */
#define SO_REUSE 1

#endif
