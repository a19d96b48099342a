/* SPDX-License-Identifier: MIT */
/*
 * lib/cmdline/cmdline.c - kernel command line parsing. Pure logic with no
 * dependencies, so the host unit test runs this very file.
 *
 * Quoting follows Linux: a double quote toggles "inside quotes" anywhere in
 * a word, so `key="a b"` and `"key=a b"` both work; the quotes themselves
 * are not part of the value. An unterminated quote runs to the end of the
 * line. Keys are compared byte for byte, up to the first '=' of the word.
 */
#include "cmdline.h"

/* Newlines count as separators too: GRUB and hand-written files like to
 * leave one at the end. */
static bool cmdline_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

const char *cmdline_next(const char **pos, size_t *keylen, size_t *wordlen)
{
	if (!pos || !*pos)
		return NULL;

	const char *p = *pos;
	while (cmdline_is_space(*p))
		p++;
	if (!*p) {
		*pos = p;
		return NULL;
	}

	const char *word = p;
	size_t key = 0;
	bool have_key = false;
	bool quoted = false;
	for (; *p && (quoted || !cmdline_is_space(*p)); p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '=' && !have_key) {
			key = (size_t)(p - word);
			have_key = true;
		}
	}
	size_t len = (size_t)(p - word);

	if (keylen)
		*keylen = have_key ? key : len;
	if (wordlen)
		*wordlen = len;
	*pos = p;
	return word;
}

/* Key of a word with its quotes removed: compares `key` against the raw
 * bytes, skipping '"' so that `"console=x y"` still has the key console. */
static bool cmdline_key_eq(const char *word, size_t keylen, const char *key)
{
	size_t k = 0;

	for (size_t i = 0; i < keylen; i++) {
		if (word[i] == '"')
			continue;
		if (!key[k] || key[k] != word[i])
			return false;
		k++;
	}
	return !key[k];
}

int cmdline_get(const char *cmdline, const char *key, char *out, size_t outsz)
{
	const char *pos = cmdline;
	const char *found = NULL;
	size_t found_key = 0, found_len = 0;
	const char *w;
	size_t keylen, wordlen;

	if (out && outsz)
		out[0] = '\0';
	if (!key || !*key)
		return -1;
	while ((w = cmdline_next(&pos, &keylen, &wordlen))) {
		if (cmdline_key_eq(w, keylen, key)) { /* keep going: the last one wins */
			found = w;
			found_key = keylen;
			found_len = wordlen;
		}
	}
	if (!found)
		return -1;

	/* The value starts after the '=' (none for a bare key). */
	size_t start = found_key < found_len ? found_key + 1 : found_len;
	size_t n = 0;
	for (size_t i = start; i < found_len; i++) {
		if (found[i] == '"')
			continue;
		if (out && n + 1 < outsz)
			out[n] = found[i];
		n++;
	}
	if (out && outsz)
		out[n < outsz ? n : outsz - 1] = '\0';
	/* A value cannot exceed the line, but an int is what the API returns. */
	return n > (size_t)(~0u >> 1) ? (int)(~0u >> 1) : (int)n;
}

const char *cmdline_find(const char *cmdline, const char *key)
{
	const char *pos = cmdline, *w;
	size_t keylen, wordlen;

	if (!key || !*key)
		return NULL;
	while ((w = cmdline_next(&pos, &keylen, &wordlen)))
		if (cmdline_key_eq(w, keylen, key))
			return w;
	return NULL;
}

int cmdline_words(const char *s, char *out, size_t outsz)
{
	const char *pos = s, *w;
	size_t wordlen, n = 0;
	int count = 0;

	while ((w = cmdline_next(&pos, NULL, &wordlen))) {
		for (size_t i = 0; i < wordlen; i++) {
			if (w[i] == '"')
				continue;
			if (n + 1 >= outsz)
				return -1;
			out[n++] = w[i];
		}
		if (n >= outsz)
			return -1;
		out[n++] = '\0';
		count++;
	}
	return count;
}

bool cmdline_has(const char *cmdline, const char *key)
{
	return cmdline_get(cmdline, key, NULL, 0) >= 0;
}

int cmdline_parse_uint(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -1;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (unsigned)((*s | 0x20) - 'a' + 10);
		else
			return -1;
		if (v > (UINT64_MAX - d) / base)
			return -1; /* would overflow */
		v = v * base + d;
	}
	*out = v;
	return 0;
}

uint64_t cmdline_get_uint(const char *cmdline, const char *key, uint64_t fallback)
{
	char v[24]; /* UINT64_MAX in hex or decimal fits */
	int n = cmdline_get(cmdline, key, v, sizeof(v));
	uint64_t x;
	if (n <= 0 || (size_t)n >= sizeof(v) || cmdline_parse_uint(v, &x) < 0)
		return fallback;
	return x;
}
