/* SPDX-License-Identifier: MIT */
/*
 * lib/printf/printf.c - vsnprintf for the kernel. Pure logic with no
 * dependencies (not even kstring), so the host unit test checks this very
 * file against the C library's snprintf.
 *
 * No floating point: kernel code must not touch vector registers behind the
 * scheduler's back, and nothing needs %f yet.
 */
#include "printf.h"

#include <stdbool.h>
#include <stdint.h>

/* Output sink: counts every character, stores only what fits. */
struct out {
	char *buf;
	size_t size; /* capacity including the NUL */
	size_t pos;  /* characters produced so far (may exceed size) */
};

struct spec {
	bool left;  /* '-' */
	bool plus;  /* '+' */
	bool space; /* ' ' */
	bool alt;   /* '#' */
	bool zero;  /* '0' */
	int width;
	int prec; /* -1 = not given */
};

/* INT_MAX without <limits.h> (only the core freestanding headers here). */
#define PRINTF_INT_MAX ((int)(~0u >> 1))

enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

/* %zd takes the signed type of size_t's width; there is no ssize_t in
 * freestanding C, and ptrdiff_t has that width on every target we build. */
_Static_assert(sizeof(ptrdiff_t) == sizeof(size_t), "%zd reads a ptrdiff_t");

static void out_char(struct out *o, char c)
{
	if (o->size && o->pos < o->size - 1)
		o->buf[o->pos] = c;
	o->pos++;
}

static void out_mem(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out_char(o, s[i]);
}

/* Padding is counted without a loop once the buffer is full, so a huge
 * width such as "%2000000000d" costs nothing. */
static void out_pad(struct out *o, char c, size_t n)
{
	while (n && o->size && o->pos < o->size - 1) {
		o->buf[o->pos++] = c;
		n--;
	}
	o->pos += n;
}

/* Saturates instead of overflowing: C leaves such widths undefined, but a
 * format string must never make the kernel execute UB. */
static int parse_int(const char **p)
{
	int v = 0;

	while (**p >= '0' && **p <= '9') {
		int d = **p - '0';
		v = v > (PRINTF_INT_MAX - d) / 10 ? PRINTF_INT_MAX : v * 10 + d;
		(*p)++;
	}
	return v;
}

static size_t pad_len(const struct spec *sp, size_t len)
{
	return (size_t)sp->width > len ? (size_t)sp->width - len : 0;
}

/* Strings, characters and pointers: pad with spaces only ('0' is undefined
 * for them in C; glibc pads with spaces too). */
static void emit_padded(struct out *o, const struct spec *sp, const char *s, size_t len)
{
	size_t pad = pad_len(sp, len);

	if (!sp->left)
		out_pad(o, ' ', pad);
	out_mem(o, s, len);
	if (sp->left)
		out_pad(o, ' ', pad);
}

static void emit_int(struct out *o, const struct spec *sp, uintmax_t mag, bool neg, bool is_signed,
		     unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[sizeof(uintmax_t) * 3]; /* octal needs 22 for 64 bits */
	size_t n = 0;
	char prefix[2];
	size_t plen = 0;

	for (uintmax_t v = mag; v; v /= base)
		tmp[sizeof(tmp) - ++n] = digits[v % base];
	/* Zero prints one digit unless the precision is explicitly 0. */
	if (!mag && sp->prec != 0)
		tmp[sizeof(tmp) - ++n] = '0';

	size_t prec = sp->prec < 0 ? 1 : (size_t)sp->prec;
	/* '#' with o raises the precision just enough for a leading 0. */
	if (sp->alt && base == 8 && prec <= n && (n == 0 || tmp[sizeof(tmp) - n] != '0'))
		prec = n + 1;
	size_t zeros = prec > n ? prec - n : 0;

	if (is_signed && neg)
		prefix[plen++] = '-';
	else if (is_signed && sp->plus)
		prefix[plen++] = '+';
	else if (is_signed && sp->space)
		prefix[plen++] = ' ';
	else if (sp->alt && base == 16 && mag) {
		prefix[plen++] = '0';
		prefix[plen++] = upper ? 'X' : 'x';
	}

	size_t pad = pad_len(sp, plen + zeros + n);
	/* The '0' flag is ignored with '-' or with an explicit precision. */
	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!sp->left)
		out_pad(o, ' ', pad);
	out_mem(o, prefix, plen);
	out_pad(o, '0', zeros);
	out_mem(o, tmp + sizeof(tmp) - n, n);
	if (sp->left)
		out_pad(o, ' ', pad);
}

/* Fetches a signed argument of the given length, narrowed as C requires
 * for hh and h (the caller passed an int). Returns its magnitude. */
static uintmax_t arg_signed(va_list *ap, enum length len, bool *neg)
{
	intmax_t v;

	switch (len) {
	case LEN_HH:
		v = (signed char)va_arg(*ap, int);
		break;
	case LEN_H:
		v = (short)va_arg(*ap, int);
		break;
	case LEN_L:
		v = va_arg(*ap, long);
		break;
	case LEN_LL:
		v = va_arg(*ap, long long);
		break;
	case LEN_Z:
	case LEN_T:
		v = va_arg(*ap, ptrdiff_t);
		break;
	case LEN_J:
		v = va_arg(*ap, intmax_t);
		break;
	default:
		v = va_arg(*ap, int);
		break;
	}
	*neg = v < 0;
	/* Negate in unsigned arithmetic so INTMAX_MIN does not overflow. */
	return *neg ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
}

static uintmax_t arg_unsigned(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	case LEN_T:
		return (size_t)va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static enum length parse_length(const char **p)
{
	switch (**p) {
	case 'h':
		(*p)++;
		if (**p == 'h') {
			(*p)++;
			return LEN_HH;
		}
		return LEN_H;
	case 'l':
		(*p)++;
		if (**p == 'l') {
			(*p)++;
			return LEN_LL;
		}
		return LEN_L;
	case 'z':
		(*p)++;
		return LEN_Z;
	case 'j':
		(*p)++;
		return LEN_J;
	case 't':
		(*p)++;
		return LEN_T;
	default:
		return LEN_NONE;
	}
}

static void parse_flags(const char **p, struct spec *sp)
{
	for (;; (*p)++) {
		switch (**p) {
		case '-':
			sp->left = true;
			break;
		case '+':
			sp->plus = true;
			break;
		case ' ':
			sp->space = true;
			break;
		case '#':
			sp->alt = true;
			break;
		case '0':
			sp->zero = true;
			break;
		default:
			return;
		}
	}
}

/*
 * Formats one conversion starting just after its '%'. Returns false for a
 * conversion it does not know, which the caller then prints literally so a
 * typo shows up in the output instead of eating an argument.
 */
static bool format_one(struct out *o, const char **pp, va_list *ap)
{
	const char *p = *pp;
	struct spec sp = {.prec = -1};

	parse_flags(&p, &sp);
	if (*p == '*') {
		p++;
		sp.width = va_arg(*ap, int);
		if (sp.width < 0) { /* a negative '*' width means '-' */
			sp.left = true;
			sp.width = sp.width < -PRINTF_INT_MAX ? PRINTF_INT_MAX : -sp.width;
		}
	} else {
		sp.width = parse_int(&p);
	}
	if (*p == '.') {
		p++;
		if (*p == '*') {
			p++;
			sp.prec = va_arg(*ap, int);
			if (sp.prec < 0) /* as if omitted */
				sp.prec = -1;
		} else {
			sp.prec = parse_int(&p);
		}
	}
	enum length len = parse_length(&p);
	char conv = *p;
	if (conv)
		p++;
	*pp = p;

	bool neg;
	uintmax_t mag;
	switch (conv) {
	case 'd':
	case 'i':
		mag = arg_signed(ap, len, &neg);
		emit_int(o, &sp, mag, neg, true, 10, false);
		return true;
	case 'u':
		emit_int(o, &sp, arg_unsigned(ap, len), false, false, 10, false);
		return true;
	case 'x':
	case 'X':
		emit_int(o, &sp, arg_unsigned(ap, len), false, false, 16, conv == 'X');
		return true;
	case 'o':
		emit_int(o, &sp, arg_unsigned(ap, len), false, false, 8, false);
		return true;
	case 'c': {
		char c = (char)(unsigned char)va_arg(*ap, int);
		emit_padded(o, &sp, &c, 1);
		return true;
	}
	case 's': {
		const char *s = va_arg(*ap, const char *);
		size_t n = 0;
		if (!s)
			s = "(null)";
		/* Never read past the precision: the string need not be
		 * NUL-terminated within it. */
		while ((sp.prec < 0 || n < (size_t)sp.prec) && s[n])
			n++;
		emit_padded(o, &sp, s, n);
		return true;
	}
	case 'p': {
		/* Fixed width so addresses line up in dumps. */
		uintptr_t v = (uintptr_t)va_arg(*ap, void *);
		char tmp[2 + 2 * sizeof(uintptr_t)];
		tmp[0] = '0';
		tmp[1] = 'x';
		for (size_t i = sizeof(tmp) - 1; i >= 2; i--, v >>= 4)
			tmp[i] = "0123456789abcdef"[v & 15];
		emit_padded(o, &sp, tmp, sizeof(tmp));
		return true;
	}
	case '%':
		out_char(o, '%');
		return true;
	default:
		return false;
	}
}

int pk_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = {.buf = buf, .size = buf ? size : 0, .pos = 0};
	va_list aq;

	/* Work on a copy so helpers can take its address portably (va_list
	 * may be an array type that decays when passed as a parameter). */
	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		const char *start = fmt++;
		if (!format_one(&o, &fmt, &aq))
			out_mem(&o, start, (size_t)(fmt - start));
	}
	va_end(aq);

	if (o.size)
		o.buf[o.pos < o.size ? o.pos : o.size - 1] = '\0';
	/* C99: a length that does not fit an int is an error (EOVERFLOW). */
	return o.pos > (size_t)PRINTF_INT_MAX ? -1 : (int)o.pos;
}

int pk_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = pk_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
