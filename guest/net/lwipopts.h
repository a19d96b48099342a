/* SPDX-License-Identifier: MIT */
/*
 * guest/net/lwipopts.h - lwIP 2.1's configuration for perfkern (lwIP's
 * src/include/lwip/opt.h lists every option): NO_SYS (no threads, no
 * locks: the raw API on one executor), IPv4 with ARP, ICMP, UDP, TCP and
 * DHCP, lwIP's heap on the kernel's (per-CPU) heap and its pools in
 * static memory, timers driven by the
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

/* memory: lwIP's heap (PBUF_RAM, copied send data) is the kernel's heap,
 * not a 1 MiB static array, which would push the kernel image past a 2 MiB
 * page and make every boot, network or not, map one more huge page
 * (docs/boot.md "What a boot touches"). The pools stay static: their
 * MEMP_NUM_* counts are the limits a flood of connections or segments runs
 * into (MEMP_MEM_MALLOC would lift them). Send data per connection is
 * bounded by TCP_SND_BUF. */
#include "lib/heap/heap.h" /* kmalloc, kfree, kcalloc */
#define MEM_LIBC_MALLOC 1
#define mem_clib_malloc kmalloc
#define mem_clib_free kfree
#define mem_clib_calloc kcalloc
#define MEMP_MEM_MALLOC 0
#define MEM_ALIGNMENT 8
#define MEM_SIZE (1024 * 1024) /* sizes mem_size_t (32 bits) only */
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
