/* SPDX-License-Identifier: MIT */
/*
 * proto/pc.h - the PC ports both sides observe: the kernel drives them on
 * a PC (QEMU, bare metal), and the vmm understands the same writes so an
 * unmodified guest's console and exit work under it too. Plain #defines:
 * boot.S includes this file.
 */
#ifndef PK_PROTO_PC_H
#define PK_PROTO_PC_H

#define PK_PORT_COM1 0x3f8	/* 16550 UART, 8 registers */
#define PK_PORT_DEBUG_EXIT 0xf4 /* QEMU isa-debug-exit: status = (value << 1) | 1 */

#endif
