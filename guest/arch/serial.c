/* SPDX-License-Identifier: MIT */
/*
 * guest/arch/serial.c - COM1 at 115200 8N1, polled. Compiled for baseline
 * x86-64 without vector registers: the early CPU check prints through it.
 * Register map: PC16550D datasheet (THR/RBR 0, IER 1, FCR 2, LCR 3, MCR 4,
 * LSR 5; DLAB=1 makes 0/1 the divisor latch).
 */
#include "serial.h"

#include "proto/pc.h"

#include "cpu.h"

#define LSR_THRE 0x20

/* A missing UART reads 0xff (THRE set) and a wedged one is given up on
 * after this many polls, so printing can never hang the boot. */
#define SERIAL_SPIN_MAX 1000000

/* Initialised on first use: under the vmm the console never touches COM1,
 * and every port access there is a VM exit. */
static int serial_ready;

void serial_init(void)
{
	serial_ready = 1;
	outb(PK_PORT_COM1 + 1, 0x00); /* no UART interrupts */
	outb(PK_PORT_COM1 + 3, 0x80); /* DLAB */
	outb(PK_PORT_COM1 + 0, 0x01); /* divisor 1 = 115200 baud */
	outb(PK_PORT_COM1 + 1, 0x00);
	outb(PK_PORT_COM1 + 3, 0x03); /* 8N1 */
	outb(PK_PORT_COM1 + 2, 0xc7); /* FIFO on, cleared, 14-byte threshold */
	outb(PK_PORT_COM1 + 4, 0x03); /* DTR, RTS */
}

static void serial_putc(char c)
{
	if (!serial_ready)
		serial_init();
	for (int i = 0; i < SERIAL_SPIN_MAX && !(inb(PK_PORT_COM1 + 5) & LSR_THRE); i++)
		cpu_relax();
	outb(PK_PORT_COM1, (unsigned char)c);
}

void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

void serial_puts(const char *s)
{
	while (*s) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s++);
	}
}
