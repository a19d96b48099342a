/* SPDX-License-Identifier: MIT */
/* lib/cmdline/cmdline.h - kernel command line parsing (host-compilable). */
#ifndef PK_LIB_CMDLINE_H
#define PK_LIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The command line is a space/tab separated list of words: `key=value` or a
 * bare `key`. A value may be double-quoted to contain spaces ("a b").
 * The last occurrence of a key wins (as on Linux).
 *
 * cmdline_get: copies the value of `key` into out (NUL-terminated,
 * truncated to outsz-1) and returns the full value length, or -1 when the
 * key is absent. A bare `key` has the empty value (returns 0).
 */
int cmdline_get(const char *cmdline, const char *key, char *out, size_t outsz);
bool cmdline_has(const char *cmdline, const char *key);

/*
 * A number: decimal or 0x-hex, the whole string, no overflow. Returns 0 and
 * stores it in *out, or -1 (and leaves *out alone) when s is not one.
 */
int cmdline_parse_uint(const char *s, uint64_t *out);
/* The value of `key` as a number, or `fallback` when absent or not one. */
uint64_t cmdline_get_uint(const char *cmdline, const char *key, uint64_t fallback);

/*
 * Iterates words: returns a pointer to the next word start at or after
 * *pos and stores its key length (up to '=' or the word end) in *keylen and
 * the whole word length in *wordlen; advances *pos. NULL when done.
 * Used to warn about unknown keys.
 */
const char *cmdline_next(const char **pos, size_t *keylen, size_t *wordlen);

/*
 * The first word whose key is `key` (unlike cmdline_get, the first one: a
 * word that starts a program's arguments, `app=`), or NULL. Points at the
 * word itself, so the caller can cut the line there.
 */
const char *cmdline_find(const char *cmdline, const char *key);

/*
 * Splits s into words the way Linux hands init its arguments: at blanks,
 * a double quote groups blanks into a word and is itself dropped. Each
 * word goes into out NUL-terminated, one after the other. Returns the
 * number of words, or -1 when they do not fit in outsz bytes.
 */
int cmdline_words(const char *s, char *out, size_t outsz);

#endif
