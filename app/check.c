/*
 * Pure checks shared by the handlers: e-mail addresses, local redirect
 * targets, list cursors, token hashing and constant-time comparison, and
 * the unit of a relative time, an idea's status.  No Kore here, so that
 * unit tests reach it.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "drive.h"

/* A plausible address: one '@', text on both sides, a dot in the domain. */
int
email_valid(const char *s)
{
	const char *at, *p;
	size_t	    len;

	len = strlen(s);
	if (len < 3 || len > 254 || !line_acceptable(s, len))
		return (0);
	if ((at = strchr(s, '@')) == NULL || at == s || strchr(at + 1, '@'))
		return (0);
	if (strchr(at + 1, '.') == NULL || at[1] == '.' || s[len - 1] == '.')
		return (0);
	for (p = s; *p != '\0'; p++) {
		if (*p == ' ' || *p == '<' || *p == '>' || *p == ',' ||
		    *p == ';' || *p == '"')
			return (0);
	}
	return (1);
}

/*
 * A path on this site to go back to after a form ("back", "next") or
 * after signing in, or the fallback.  The one judge of a redirect
 * target that came from input: "/" and then printable ASCII only (no
 * space, no control character, nothing a header could be split at),
 * never "//" or "/\\" (another host: browsers also drop tabs and
 * newlines and read "\\" as "/"), and the same again for the text with
 * its %XX escapes decoded, as often as it holds any, so that a server
 * or browser that decodes once more cannot turn it into another host.
 */
const char *
local_path(const char *p, const char *fallback)
{
	char   buf[LOCAL_PATH_MAX + 1], *o;
	size_t len, i;
	int    changed, hi, lo;

	if (p == NULL || (len = strlen(p)) < 1 || len > LOCAL_PATH_MAX)
		return (fallback);
	memcpy(buf, p, len + 1);
	do {
		if (buf[0] != '/' || buf[1] == '/' || buf[1] == '\\')
			return (fallback);
		for (i = 0; buf[i] != '\0'; i++) {
			if ((unsigned char)buf[i] <= 0x20 ||
			    (unsigned char)buf[i] >= 0x7f)
				return (fallback);
		}
		changed = 0;
		for (i = 0, o = buf; buf[i] != '\0'; i++) {
			if (buf[i] == '%' &&
			    (hi = hex_value(buf[i + 1])) >= 0 &&
			    (lo = hex_value(buf[i + 2])) >= 0) {
				*o++ = (char)(hi * 16 + lo);
				i += 2;
				changed = 1;
			} else
				*o++ = buf[i];
		}
		*o = '\0';
		/* A decoded NUL ends the text early: refuse it. */
		if (changed && (size_t)(o - buf) != strlen(buf))
			return (fallback);
	} while (changed);
	return (p);
}

/*
 * A list cursor is "<key>.<id>": 1-9 digits, a dot, 1-18 digits, as the
 * list hands them out.  Copies both parts; 0 when malformed.
 */
int
cursor_parse(const char *cur, char *key, size_t keylen, char *id, size_t idlen)
{
	const char *dot;
	size_t	    la, lb;

	if ((dot = strchr(cur, '.')) == NULL)
		return (0);
	la = (size_t)(dot - cur);
	lb = strlen(dot + 1);
	if (la < 1 || la > 9 || lb < 1 || lb > 18 || la >= keylen ||
	    lb >= idlen || strspn(cur, "0123456789") != la ||
	    strspn(dot + 1, "0123456789") != lb)
		return (0);
	memcpy(key, cur, la);
	key[la] = '\0';
	memcpy(id, dot + 1, lb);
	id[lb] = '\0';
	return (1);
}

/*
 * A wider cursor, "<key>.<id>" with a key of 1-18 digits that may start
 * with '-' and an id of 1-18 digits: both fit a bigint (the triage list's
 * keys are microseconds, or counts negated).  Copies both parts; 0 when
 * malformed.
 */
int
cursor_parse_wide(const char *cur, char *key, size_t keylen, char *id,
    size_t idlen)
{
	const char *dot, *digits;
	size_t	    la, lb, neg;

	neg = *cur == '-';
	digits = cur + neg;
	if ((dot = strchr(digits, '.')) == NULL)
		return (0);
	la = (size_t)(dot - digits);
	lb = strlen(dot + 1);
	if (la < 1 || la > 18 || lb < 1 || lb > 18 || neg + la >= keylen ||
	    lb >= idlen || strspn(digits, "0123456789") != la ||
	    strspn(dot + 1, "0123456789") != lb)
		return (0);
	memcpy(key, cur, neg + la);
	key[neg + la] = '\0';
	memcpy(id, dot + 1, lb);
	id[lb] = '\0';
	return (1);
}

/*
 * A list's page number as the admin lists hand them out: 1 to
 * PAGE_NUMBER_MAX in digits, without a sign or a leading zero.  The
 * number, or 0 when the text is not one.
 */
int
page_parse(const char *s)
{
	size_t n;
	long   v;

	if (s == NULL || (n = strlen(s)) < 1 || n > 7 || s[0] == '0' ||
	    strspn(s, "0123456789") != n)
		return (0);
	v = strtol(s, NULL, 10);
	return (v <= PAGE_NUMBER_MAX ? (int)v : 0);
}

/* SHA-256 of a token given as 64 hex digits, as hex; 0 when not one. */
int
token_hash(const char *hex, char *out)
{
	unsigned char raw[32], md[EVP_MAX_MD_SIZE];
	unsigned int  mdlen;
	int	      ok;

	if (hex == NULL || strlen(hex) != 64 ||
	    !hex_decode(hex, 64, raw, sizeof(raw)))
		return (0);
	ok = EVP_Digest(raw, sizeof(raw), md, &mdlen, EVP_sha256(), NULL);
	explicit_bzero(raw, sizeof(raw));
	if (!ok)
		return (0);
	hex_encode(md, mdlen, out);
	return (1);
}

/* Constant time for equal lengths; tokens are 64 hex digits. */
int
csrf_equal(const char *a, const char *b)
{
	size_t len;

	if (a == NULL || b == NULL)
		return (0);
	len = strlen(b);
	if (len != 64 || strlen(a) != len)
		return (0);
	return (CRYPTO_memcmp(a, b, len) == 0);
}

/*
 * The catalog key and number for a time delta seconds away (negative: in
 * the past): "ago.now", "ago.minutes" with *n = 5, "in.day" with 1...
 */
void
relative_key(int64_t delta, char *key, size_t keylen, int64_t *n)
{
	const char *unit;
	uint64_t    mag;
	int	    future = delta > 0;

	/* The magnitude without negating: -INT64_MIN does not exist. */
	mag = delta < 0 ? (uint64_t)0 - (uint64_t)delta : (uint64_t)delta;
	*n = 0;
	if (mag < 60) {
		(void)snprintf(key, keylen, "ago.now");
		return;
	}
	if (mag < 3600) {
		*n = (int64_t)(mag / 60);
		unit = "minute";
	} else if (mag < 86400) {
		*n = (int64_t)(mag / 3600);
		unit = "hour";
	} else {
		*n = (int64_t)(mag / 86400);
		unit = "day";
	}
	(void)snprintf(key, keylen, "%s.%s%s", future ? "in" : "ago", unit,
	    *n == 1 ? "" : "s");
}

/*
 * A CSV file begins with UTF-8's byte-order mark, so that Excel reads it
 * as UTF-8 (umlauts and all) rather than in the Windows code page.
 */
void
csv_start(struct dbuf *b)
{
	dbuf_init(b);
	dbuf_append(b, "\xEF\xBB\xBF", 3);
}

/*
 * One CSV cell (RFC 4180: always quoted, quotes doubled), then a comma
 * or, for the last cell, CRLF.  A cell that a spreadsheet would take for
 * a formula (= + - @, tab, CR) gets a leading apostrophe.
 */
void
csv_cell(struct dbuf *b, const char *v, int last)
{
	const char *p;

	dbuf_append(b, "\"", 1);
	if (strchr("=+-@\t\r", v[0]) != NULL && v[0] != '\0')
		dbuf_append(b, "'", 1);
	for (p = v; *p != '\0'; p++) {
		if (*p == '"')
			dbuf_append(b, "\"", 1);
		dbuf_append(b, p, 1);
	}
	dbuf_append(b, "\"", 1);
	dbuf_append(b, last ? "\r\n" : ",", last ? 2 : 1);
}

/*
 * Display names.  People recognise each other by name, and the bank's
 * staff by the label "Bank" that pages and mails add to their names, so
 * a name must look like what it is: no control, format or other
 * invisible character (zero-width, bidi overrides and isolates, soft
 * hyphen, tags, variation selectors, fillers, private use), no space but
 * U+0020, and for a client no "Bank" label however it is spelt (case,
 * look-alike letters of other scripts, full-width and mathematical
 * letters, accents, brackets of any kind).
 */

/* The next code point of valid UTF-8. */
static uint32_t
utf8_next(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	uint32_t	     cp;

	if (p[0] < 0x80) {
		cp = p[0];
		*pp = p + 1;
	} else if ((p[0] & 0xe0) == 0xc0) {
		cp = ((uint32_t)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
		*pp = p + 2;
	} else if ((p[0] & 0xf0) == 0xe0) {
		cp = ((uint32_t)(p[0] & 0x0f) << 12) |
		    ((uint32_t)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
		*pp = p + 3;
	} else {
		cp = ((uint32_t)(p[0] & 0x07) << 18) |
		    ((uint32_t)(p[1] & 0x3f) << 12) |
		    ((uint32_t)(p[2] & 0x3f) << 6) | (p[3] & 0x3f);
		*pp = p + 4;
	}
	return (cp);
}

struct cp_range {
	uint32_t lo, hi;
};

/* Cc, Cf, Zl, Zp, spaces other than U+0020, and other invisibles. */
static const struct cp_range hidden[] = { { 0x0000, 0x001f },
	{ 0x007f, 0x00a0 }, { 0x00ad, 0x00ad }, { 0x034f, 0x034f },
	{ 0x0600, 0x0605 }, { 0x061c, 0x061c }, { 0x06dd, 0x06dd },
	{ 0x070f, 0x070f }, { 0x0890, 0x0891 }, { 0x08e2, 0x08e2 },
	{ 0x115f, 0x1160 }, { 0x1680, 0x1680 }, { 0x17b4, 0x17b5 },
	{ 0x180b, 0x180f }, { 0x2000, 0x200f }, { 0x2028, 0x202f },
	{ 0x205f, 0x206f }, { 0x2800, 0x2800 }, { 0x3000, 0x3000 },
	{ 0x3164, 0x3164 }, { 0xe000, 0xf8ff }, { 0xfdd0, 0xfdef },
	{ 0xfe00, 0xfe0f }, { 0xfeff, 0xfeff }, { 0xffa0, 0xffa0 },
	{ 0xfff0, 0xfffb }, { 0xfffe, 0xffff }, { 0x110bd, 0x110bd },
	{ 0x110cd, 0x110cd }, { 0x13430, 0x1343f }, { 0x1bca0, 0x1bca3 },
	{ 0x1d173, 0x1d17a }, { 0xe0000, 0xe0fff }, { 0xf0000, 0x10ffff } };

/* Marks that only decorate the letter before them: dropped. */
static const struct cp_range marks[] = { { 0x0300, 0x036f }, { 0x0483, 0x0489 },
	{ 0x1ab0, 0x1aff }, { 0x1dc0, 0x1dff }, { 0x20d0, 0x20ff },
	{ 0xfe20, 0xfe2f } };

/* Letters that look like a, b, k or n (the letters of "bank"). */
static const struct {
	uint32_t lo, hi;
	char	 c;
} lookalike[] = { { 0x0180, 0x0185, 'b' }, { 0x0198, 0x0199, 'k' },
	{ 0x019e, 0x019e, 'n' }, { 0x01cd, 0x01ce, 'a' },
	{ 0x01de, 0x01e1, 'a' }, { 0x01e8, 0x01e9, 'k' },
	{ 0x01f8, 0x01f9, 'n' }, { 0x01fa, 0x01fb, 'a' },
	{ 0x0200, 0x0203, 'a' }, { 0x0220, 0x0220, 'n' },
	{ 0x0226, 0x0227, 'a' }, { 0x023a, 0x023a, 'a' },
	{ 0x0243, 0x0243, 'b' }, { 0x0251, 0x0251, 'a' },
	{ 0x0253, 0x0253, 'b' }, { 0x0272, 0x0274, 'n' },
	{ 0x0299, 0x0299, 'b' }, { 0x0386, 0x0386, 'a' },
	{ 0x0391, 0x0391, 'a' }, { 0x0392, 0x0392, 'b' },
	{ 0x039a, 0x039a, 'k' }, { 0x039d, 0x039d, 'n' },
	{ 0x03ac, 0x03ac, 'a' }, { 0x03b1, 0x03b1, 'a' },
	{ 0x03b2, 0x03b2, 'b' }, { 0x03b7, 0x03b7, 'n' },
	{ 0x03ba, 0x03ba, 'k' }, { 0x03d0, 0x03d0, 'b' },
	{ 0x03f0, 0x03f0, 'k' }, { 0x040c, 0x040c, 'k' },
	{ 0x0410, 0x0410, 'a' }, { 0x0411, 0x0412, 'b' },
	{ 0x041a, 0x041a, 'k' }, { 0x041f, 0x041f, 'n' },
	{ 0x042c, 0x042c, 'b' }, { 0x0430, 0x0430, 'a' },
	{ 0x0431, 0x0432, 'b' }, { 0x043a, 0x043a, 'k' },
	{ 0x043f, 0x043f, 'n' }, { 0x044c, 0x044c, 'b' },
	{ 0x045c, 0x045c, 'k' }, { 0x049a, 0x049d, 'k' },
	{ 0x04a0, 0x04a1, 'k' }, { 0x04d0, 0x04d3, 'a' },
	{ 0x0578, 0x0578, 'n' }, { 0x057c, 0x057c, 'n' },
	{ 0x13e6, 0x13e6, 'k' }, { 0x13f4, 0x13f4, 'b' },
	{ 0x15f7, 0x15f7, 'b' }, { 0x16d5, 0x16d5, 'k' },
	{ 0x1d00, 0x1d00, 'a' }, { 0x1d03, 0x1d03, 'b' },
	{ 0x1d0b, 0x1d0b, 'k' }, { 0x1d2c, 0x1d2c, 'a' },
	{ 0x1d2e, 0x1d2e, 'b' }, { 0x1d37, 0x1d37, 'k' },
	{ 0x1d3a, 0x1d3a, 'n' }, { 0x1d43, 0x1d43, 'a' },
	{ 0x1d47, 0x1d47, 'b' }, { 0x1d4f, 0x1d4f, 'k' },
	{ 0x1d6c, 0x1d6c, 'b' }, { 0x1d80, 0x1d80, 'b' },
	{ 0x1e00, 0x1e01, 'a' }, { 0x1e02, 0x1e07, 'b' },
	{ 0x1e30, 0x1e35, 'k' }, { 0x1e44, 0x1e4b, 'n' },
	{ 0x1e9a, 0x1e9a, 'a' }, { 0x1ea0, 0x1eb7, 'a' },
	{ 0x1f00, 0x1f0f, 'a' }, { 0x1f70, 0x1f71, 'a' },
	{ 0x1fb0, 0x1fbc, 'a' }, { 0x207f, 0x207f, 'n' },
	{ 0x2090, 0x2090, 'a' }, { 0x2096, 0x2096, 'k' },
	{ 0x2099, 0x2099, 'n' }, { 0x212a, 0x212a, 'k' },
	{ 0x212b, 0x212b, 'a' }, { 0x212c, 0x212c, 'b' },
	{ 0x2115, 0x2115, 'n' }, { 0x2c65, 0x2c65, 'a' },
	{ 0x2c69, 0x2c6a, 'k' }, { 0xa740, 0xa745, 'k' },
	{ 0xa796, 0xa797, 'b' } };

/* Opening and closing brackets beyond ASCII (ASCII's are below). */
static const uint32_t openers[] = { 0x00ab, 0x2039, 0x2045, 0x207d, 0x208d,
	0x2329, 0x2768, 0x276a, 0x276c, 0x276e, 0x2770, 0x2772, 0x2774, 0x27e6,
	0x27e8, 0x27ea, 0x27ec, 0x27ee, 0x2983, 0x2985, 0x2987, 0x2989, 0x298b,
	0x298d, 0x298f, 0x2991, 0x2993, 0x2995, 0x2997, 0x3008, 0x300a, 0x300c,
	0x300e, 0x3010, 0x3014, 0x3016, 0x3018, 0x301a, 0xfe59, 0xfe5b, 0xfe5d,
	0xff5f, 0xff62 };
static const uint32_t closers[] = { 0x00bb, 0x203a, 0x2046, 0x207e, 0x208e,
	0x232a, 0x2769, 0x276b, 0x276d, 0x276f, 0x2771, 0x2773, 0x2775, 0x27e7,
	0x27e9, 0x27eb, 0x27ed, 0x27ef, 0x2984, 0x2986, 0x2988, 0x298a, 0x298c,
	0x298e, 0x2990, 0x2992, 0x2994, 0x2996, 0x2998, 0x3009, 0x300b, 0x300d,
	0x300f, 0x3011, 0x3015, 0x3017, 0x3019, 0x301b, 0xfe5a, 0xfe5c, 0xfe5e,
	0xff60, 0xff63 };

static int
cp_in(const struct cp_range *t, size_t n, uint32_t cp)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (cp >= t[i].lo && cp <= t[i].hi)
			return (1);
	}
	return (0);
}

static int
cp_listed(const uint32_t *t, size_t n, uint32_t cp)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (t[i] == cp)
			return (1);
	}
	return (0);
}

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

/*
 * What a code point shows, for comparing names: 'a'-'z' and '0'-'9',
 * '*' for any other letter, '(' and ')' for brackets, ' ' for spaces
 * and punctuation, 0 for a mark dropped.
 */
static char
skeleton_char(uint32_t cp)
{
	/* Latin-1 letters and Latin Extended-A by their base letter. */
	static const char latin1[] =
	    "aaaaaa*ceeeeiiiidnooooo ouuuuy**aaaaaa*ceeeeiiiidnooooo ouuuuy*y";
	static const char latin_a[] =
	    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii**jjkkkllll"
	    "llllllnnnnnnnnnoooooo**rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzz"
	    "zzzzs";
	size_t i;

	if (cp < 0x80) {
		if (cp >= 'A' && cp <= 'Z')
			return ((char)(cp - 'A' + 'a'));
		if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
			return ((char)cp);
		if (cp == '(' || cp == '[' || cp == '{' || cp == '<')
			return ('(');
		if (cp == ')' || cp == ']' || cp == '}' || cp == '>')
			return (')');
		return (' ');
	}
	if (cp >= 0xff01 && cp <= 0xff5e) /* full-width ASCII */
		return (skeleton_char(cp - 0xfee0));
	if (cp_in(marks, NITEMS(marks), cp))
		return (0);
	if (cp_listed(openers, NITEMS(openers), cp))
		return ('(');
	if (cp_listed(closers, NITEMS(closers), cp))
		return (')');
	if (cp >= 0xc0 && cp <= 0xff)
		return (latin1[cp - 0xc0]);
	if (cp < 0xc0)
		return (' ');
	if (cp >= 0x100 && cp <= 0x17f)
		return (latin_a[cp - 0x100]);
	for (i = 0; i < NITEMS(lookalike); i++) {
		if (cp >= lookalike[i].lo && cp <= lookalike[i].hi)
			return (lookalike[i].c);
	}
	/* Circled, parenthesised, squared letters; regional indicators. */
	if (cp >= 0x249c && cp <= 0x24b5)
		return ((char)('a' + (cp - 0x249c)));
	if (cp >= 0x24b6 && cp <= 0x24e9)
		return ((char)('a' + (cp - 0x24b6) % 26));
	if (cp >= 0x1f110 && cp <= 0x1f189)
		return ((char)('a' + (cp - 0x1f110) % 32 % 26));
	if (cp >= 0x1f1e6 && cp <= 0x1f1ff)
		return ((char)('a' + (cp - 0x1f1e6)));
	/* Mathematical letters: 52 a style, capitals first. */
	if (cp >= 0x1d400 && cp <= 0x1d6a3)
		return ((char)('a' + (cp - 0x1d400) % 52 % 26));
	/* Mathematical Greek: 58 a style; alpha, beta, eta, kappa, nu. */
	if (cp >= 0x1d6a8 && cp <= 0x1d7c9) {
		switch ((cp - 0x1d6a8) % 58) {
		case 0:
		case 26:
			return ('a');
		case 1:
		case 27:
			return ('b');
		case 9:
		case 35:
			return ('k');
		case 12:
		case 32:
			return ('n');
		default:
			return ('*');
		}
	}
	/* Punctuation and symbols are separators; anything else a letter. */
	if ((cp >= 0x2010 && cp <= 0x2bff) || (cp >= 0x3001 && cp <= 0x303f) ||
	    (cp >= 0xfe10 && cp <= 0xfe6f))
		return (' ');
	return ('*');
}

static int
has_bank_label(const char *sk)
{
	char   group[256];
	size_t glen = 0, i, start;
	int    depth = 0;

	/* "bank" as a word of its own, anywhere. */
	for (i = 0; sk[i] != '\0';) {
		if (strchr(" ()", sk[i]) != NULL) {
			i++;
			continue;
		}
		start = i;
		while (sk[i] != '\0' && strchr(" ()", sk[i]) == NULL)
			i++;
		if (i - start == 4 && strncmp(sk + start, "bank", 4) == 0)
			return (1);
	}
	/* "bank" anywhere in the letters of something in brackets. */
	for (i = 0;; i++) {
		if (sk[i] == '(') {
			if (depth++ == 0)
				glen = 0;
			continue;
		}
		if (sk[i] == ')' || sk[i] == '\0') {
			if (depth > 0) {
				group[glen] = '\0';
				if (strstr(group, "bank") != NULL)
					return (1);
				if (sk[i] == ')' && --depth > 0)
					continue;
				depth = 0;
			}
			if (sk[i] == '\0')
				break;
			continue;
		}
		if (depth > 0 && sk[i] >= 'a' && sk[i] <= 'z' &&
		    glen < sizeof(group) - 1)
			group[glen++] = sk[i];
	}
	return (0);
}

const char *
name_refusal(const char *name, int client)
{
	const unsigned char *p;
	char		     sk[256];
	size_t		     len, n, sl = 0;
	uint32_t	     cp;
	char		     c;

	if (name == NULL)
		return ("err.name_length");
	len = strlen(name);
	if (!utf8_valid(name, len))
		return ("err.text_invalid");
	n = utf8_count(name, len);
	if (n < 2 || n > 60)
		return ("err.name_length");
	for (p = (const unsigned char *)name; *p != '\0';) {
		cp = utf8_next(&p);
		if (cp_in(hidden, NITEMS(hidden), cp))
			return ("err.name_chars");
		if ((c = skeleton_char(cp)) != 0 && sl < sizeof(sk) - 1)
			sk[sl++] = c;
	}
	sk[sl] = '\0';
	if (client && has_bank_label(sk))
		return ("err.name_bank");
	return (NULL);
}

/*
 * An IPv4 or IPv6 address in its one canonical text (inet_ntop's, the
 * form PostgreSQL's host() gives too), so that an address counts the
 * same however it was written; 0 when s is not an address.
 */
int
addr_canonical(const char *s, char *out, size_t outlen)
{
	unsigned char bin[sizeof(struct in6_addr)];
	char	      buf[INET6_ADDRSTRLEN];

	if (s == NULL || strlen(s) >= sizeof(buf))
		return (0);
	if (inet_pton(AF_INET, s, bin) == 1) {
		if (inet_ntop(AF_INET, bin, out, outlen) == NULL)
			return (0);
		return (1);
	}
	if (inet_pton(AF_INET6, s, bin) == 1) {
		if (inet_ntop(AF_INET6, bin, out, outlen) == NULL)
			return (0);
		return (1);
	}
	return (0);
}

/*
 * 1 when addr is one of list's entries: addresses or prefixes
 * ("127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"), separated by commas
 * or spaces.  An empty or NULL list holds nothing; a malformed entry
 * matches nothing.
 */
int
addr_listed(const char *list, const char *addr)
{
	unsigned char a[16], e[16];
	char	      entry[64], *slash, *end;
	const char   *p;
	size_t	      len, i;
	long	      bits;
	int	      af, alen, elen;

	if (list == NULL || addr == NULL)
		return (0);
	if (inet_pton(AF_INET, addr, a) == 1)
		alen = 4;
	else if (inet_pton(AF_INET6, addr, a) == 1)
		alen = 16;
	else
		return (0);

	for (p = list; *p != '\0'; p += len) {
		while (*p == ',' || *p == ' ')
			p++;
		len = strcspn(p, ", ");
		if (len == 0 || len >= sizeof(entry))
			continue;
		memcpy(entry, p, len);
		entry[len] = '\0';
		bits = -1;
		if ((slash = strchr(entry, '/')) != NULL) {
			*slash = '\0';
			errno = 0;
			bits = strtol(slash + 1, &end, 10);
			if (errno != 0 || end == slash + 1 || *end != '\0' ||
			    bits < 0)
				continue;
		}
		af = strchr(entry, ':') != NULL ? AF_INET6 : AF_INET;
		elen = af == AF_INET6 ? 16 : 4;
		if (elen != alen || inet_pton(af, entry, e) != 1)
			continue;
		if (bits < 0)
			bits = elen * 8;
		if (bits > elen * 8)
			continue;
		for (i = 0; i < (size_t)bits / 8; i++) {
			if (a[i] != e[i])
				break;
		}
		if (i < (size_t)bits / 8)
			continue;
		if (bits % 8 != 0 &&
		    ((a[i] ^ e[i]) & (0xff << (8 - bits % 8)) & 0xff) != 0)
			continue;
		return (1);
	}
	return (0);
}

/* A token nobody can guess; a machine without randomness must stop. */
void
token_new(char *hex)
{
	unsigned char raw[TOKEN_BYTES];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		abort();
	hex_encode(raw, sizeof(raw), hex);
	explicit_bzero(raw, sizeof(raw));
}

const char *
role_name(int role)
{
	switch (role) {
	case ROLE_CLIENT:
		return ("client");
	case ROLE_PM:
		return ("pm");
	case ROLE_ADMIN:
		return ("admin");
	default:
		return ("anonymous");
	}
}

int
role_parse(const char *s)
{
	if (s == NULL)
		return (ROLE_ANON);
	if (strcmp(s, "client") == 0)
		return (ROLE_CLIENT);
	if (strcmp(s, "pm") == 0)
		return (ROLE_PM);
	if (strcmp(s, "admin") == 0)
		return (ROLE_ADMIN);
	return (ROLE_ANON);
}

/*
 * An idea's statuses (README, "Custom statuses"): the seven built in,
 * in the order of their life, until status_catalog_load() replaces them
 * with the database's idea_statuses, which adds those an admin made.
 * Each belongs to a group of the lifecycle, which decides what it does.
 */
static const struct status_def builtin_statuses[] = {
	{ "new", STATUS_OPEN, 1, "", "" },
	{ "under_review", STATUS_OPEN, 1, "", "" },
	{ "planned", STATUS_COMMITTED, 1, "", "" },
	{ "in_progress", STATUS_COMMITTED, 1, "", "" },
	{ "released", STATUS_CLOSED, 1, "", "" },
	{ "declined", STATUS_CLOSED, 1, "", "" },
	{ "duplicate", STATUS_CLOSED, 1, "", "" },
};
#define BUILTIN_STATUSES \
	(sizeof(builtin_statuses) / sizeof(builtin_statuses[0]))

static struct status_def statuses[STATUS_MAX];
static int		 nstatuses = -1; /* -1: the built-in ones */

static void
status_catalog_builtin(void)
{
	size_t i;

	for (i = 0; i < BUILTIN_STATUSES; i++)
		statuses[i] = builtin_statuses[i];
	nstatuses = (int)BUILTIN_STATUSES;
}

/* Back to the seven built-in statuses. */
void
status_catalog_reset(void)
{
	status_catalog_builtin();
}

/* "open", "committed", "closed" as STATUS_*, or -1. */
int
status_group_parse(const char *s)
{
	if (s == NULL)
		return (-1);
	if (strcmp(s, "open") == 0)
		return (STATUS_OPEN);
	if (strcmp(s, "committed") == 0)
		return (STATUS_COMMITTED);
	if (strcmp(s, "closed") == 0)
		return (STATUS_CLOSED);
	return (-1);
}

const char *
status_group_name(int group)
{
	switch (group) {
	case STATUS_OPEN:
		return ("open");
	case STATUS_COMMITTED:
		return ("committed");
	default:
		return ("closed");
	}
}

/*
 * 2-30 of a-z, 0-9 and _, starting with a letter (as 016's CHECK), and
 * not a name the roadmap's API answer holds beside the statuses.
 */
int
status_key_valid(const char *s)
{
	size_t n;

	if (s == NULL || *s < 'a' || *s > 'z')
		return (0);
	if (strcmp(s, "totals") == 0 || strcmp(s, "columns") == 0)
		return (0);
	n = strlen(s);
	return (n >= 2 && n <= STATUS_KEY_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n);
}

/*
 * Replaces the statuses with n rows of the database, in their order:
 * keys[i], groups[i] ("open", ...), builtin[i] and the names (a built-in
 * status's are ""). 0, and the catalog unchanged, when a row is not one
 * (an unknown group, a bad key, too many, no "new", a name too long).
 */
int
status_catalog_load(int n, const char * const *keys, const char * const *groups,
    const int *builtin, const char * const *names_en,
    const char * const *names_de)
{
	static struct status_def next[STATUS_MAX];
	int			 i, g, have_new = 0;

	if (n < 1 || n > STATUS_MAX)
		return (0);
	for (i = 0; i < n; i++) {
		g = status_group_parse(groups[i]);
		if (g == -1 || !status_key_valid(keys[i]) ||
		    strlen(names_en[i]) >= sizeof(next[i].name_en) ||
		    strlen(names_de[i]) >= sizeof(next[i].name_de))
			return (0);
		(void)snprintf(next[i].key, sizeof(next[i].key), "%s", keys[i]);
		next[i].group = g;
		next[i].builtin = builtin[i] != 0;
		(void)snprintf(next[i].name_en, sizeof(next[i].name_en), "%s",
		    names_en[i]);
		(void)snprintf(next[i].name_de, sizeof(next[i].name_de), "%s",
		    names_de[i]);
		if (strcmp(keys[i], "new") == 0)
			have_new = 1;
	}
	if (!have_new)
		return (0);
	memcpy(statuses, next, sizeof(next[0]) * (size_t)n);
	nstatuses = n;
	return (1);
}

int
status_count(void)
{
	if (nstatuses == -1)
		status_catalog_builtin();
	return (nstatuses);
}

/* The i-th status in the order of the lifecycle, or NULL past the end. */
const struct status_def *
status_at(int i)
{
	if (i < 0 || i >= status_count())
		return (NULL);
	return (&statuses[i]);
}

const struct status_def *
status_find(const char *s)
{
	int i;

	if (s == NULL)
		return (NULL);
	for (i = 0; i < status_count(); i++) {
		if (strcmp(s, statuses[i].key) == 0)
			return (&statuses[i]);
	}
	return (NULL);
}

int
status_valid(const char *s)
{
	return (status_find(s) != NULL);
}

/* Votes freeze, and the list shows no vote button, in the closed group. */
int
status_frozen(const char *s)
{
	const struct status_def *d;

	return ((d = status_find(s)) != NULL && d->group == STATUS_CLOSED);
}

/* A status's name in lang ("de" or else English) when an admin made it. */
const char *
status_custom_name(const struct status_def *d, const char *lang)
{
	if (d == NULL || d->builtin)
		return (NULL);
	return (lang != NULL && strcmp(lang, "de") == 0 ? d->name_de :
							  d->name_en);
}

/*
 * The product areas (README, "One round trip a page"): the rows of areas,
 * retired ones too, in their order, as area_catalog_load() was last given
 * them; none until then.  Names and the statuses needing approval (a JSON
 * array) are copies of any length.
 */
static struct area_def *areas;
static int		areas_n;

static void
area_defs_free(struct area_def *a, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(a[i].name_en);
		free(a[i].name_de);
		free(a[i].approval);
	}
	free(a);
}

/* No areas, as before the first load. */
void
area_catalog_reset(void)
{
	area_defs_free(areas, areas_n);
	areas = NULL;
	areas_n = 0;
}

/* 2-40 of a-z, 0-9 and - (as 002's CHECK). */
int
area_slug_valid(const char *s)
{
	size_t n;

	if (s == NULL)
		return (0);
	n = strlen(s);
	return (n >= 2 && n <= AREA_SLUG_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n);
}

/*
 * Replaces the areas with n rows of the database: a slug, the names, the
 * statuses needing approval (a JSON array, "[]" for none), retired.  0,
 * and the catalog unchanged, when a slug is not one, a slug comes twice,
 * or memory runs out.  n may be 0.
 */
int
area_catalog_load(int n, const struct area_row *rows)
{
	struct area_def *next;
	int		 i, j;

	if (n < 0 || n > AREA_MAX)
		return (0);
	if ((next = calloc((size_t)n + 1, sizeof(*next))) == NULL)
		return (0);
	for (i = 0; i < n; i++) {
		if (!area_slug_valid(rows[i].slug))
			goto fail;
		for (j = 0; j < i; j++) {
			if (strcmp(next[j].slug, rows[i].slug) == 0)
				goto fail;
		}
		(void)snprintf(next[i].slug, sizeof(next[i].slug), "%s",
		    rows[i].slug);
		next[i].retired = rows[i].retired != 0;
		next[i].name_en = strdup(rows[i].name_en);
		next[i].name_de = strdup(rows[i].name_de);
		next[i].approval = strdup(rows[i].approval);
		if (next[i].name_en == NULL || next[i].name_de == NULL ||
		    next[i].approval == NULL) {
			i++;
			goto fail;
		}
	}
	area_defs_free(areas, areas_n);
	areas = next;
	areas_n = n;
	return (1);
fail:
	area_defs_free(next, i);
	return (0);
}

int
area_count(void)
{
	return (areas_n);
}

/* The i-th area in the admin's order, retired ones too; NULL past the end. */
const struct area_def *
area_at(int i)
{
	if (i < 0 || i >= areas_n)
		return (NULL);
	return (&areas[i]);
}

const struct area_def *
area_find(const char *slug)
{
	int i;

	if (slug == NULL)
		return (NULL);
	for (i = 0; i < areas_n; i++) {
		if (strcmp(slug, areas[i].slug) == 0)
			return (&areas[i]);
	}
	return (NULL);
}

/* An area's name in lang ("de" or else English). */
const char *
area_name(const struct area_def *a, const char *lang)
{
	return (lang != NULL && strcmp(lang, "de") == 0 ? a->name_de :
							  a->name_en);
}

/*
 * Search words shown where they matched.  A word of the search matches
 * the start of a word of the text (as search_query() in SQL matches
 * prefixes), in any case: ASCII and the accented Latin capitals
 * (U+00C0-U+00DE) fold.  Words are runs of ASCII letters and digits and
 * of non-ASCII characters.
 */
#define SEARCH_WORDS_MAX 16

struct search_words {
	char   buf[256];
	char  *w[SEARCH_WORDS_MAX];
	size_t wl[SEARCH_WORDS_MAX]; /* strlen(w[k]) */
	size_t n;
};

static int
word_byte(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80);
}

/* Lower case in place: ASCII, and C3 80-9E (not U+00D7) to C3 A0-BE. */
static void
fold(char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
		else if ((unsigned char)s[i] == 0xC3 && i + 1 < len &&
		    (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9E &&
		    (unsigned char)s[i + 1] != 0x97)
			s[++i] += 0x20;
	}
}

static void
words_split(struct search_words *sw, const char *q)
{
	char *p, *save = NULL;

	sw->n = 0;
	(void)snprintf(sw->buf, sizeof(sw->buf), "%s", q != NULL ? q : "");
	fold(sw->buf, strlen(sw->buf));
	for (p = strtok_r(sw->buf, " \t\r\n\f\v", &save);
	     p != NULL && sw->n < SEARCH_WORDS_MAX;
	     p = strtok_r(NULL, " \t\r\n\f\v", &save)) {
		sw->wl[sw->n] = strlen(p);
		sw->w[sw->n++] = p;
	}
}

/* The length of the longest search word that text+i starts with, or 0. */
static size_t
match_at(const struct search_words *sw, const char *text, size_t len, size_t i)
{
	char   low[256];
	size_t k, wl, best = 0;
	char   first;

	/* fold() changes no first byte but A-Z: compare it before copying. */
	first = text[i] >= 'A' && text[i] <= 'Z' ? (char)(text[i] - 'A' + 'a') :
						   text[i];
	for (k = 0; k < sw->n; k++) {
		wl = sw->wl[k];
		if (wl == 0 || wl > len - i || wl > sizeof(low) ||
		    sw->w[k][0] != first)
			continue;
		memcpy(low, text + i, wl);
		fold(low, wl);
		if (memcmp(low, sw->w[k], wl) == 0 && wl > best)
			best = wl;
	}
	return (best);
}

/* The start of the first word of text matching, or len. */
static size_t
first_match(const struct search_words *sw, const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if ((i == 0 || !word_byte((unsigned char)text[i - 1])) &&
		    word_byte((unsigned char)text[i]) &&
		    match_at(sw, text, len, i) > 0)
			return (i);
	}
	return (len);
}

/* HTML of text[0, len) with each matching word start in <mark>. */
static int
mark_words(struct dbuf *out, const struct search_words *sw, const char *text,
    size_t len)
{
	size_t i, run = 0, m;
	int    marked = 0;

	for (i = 0; i < len; i++) {
		if ((i > 0 && word_byte((unsigned char)text[i - 1])) ||
		    !word_byte((unsigned char)text[i]) ||
		    (m = match_at(sw, text, len, i)) == 0)
			continue;
		/* A multi-byte character is never cut by the match. */
		while (i + m < len &&
		    ((unsigned char)text[i + m] & 0xC0) == 0x80)
			m++;
		html_escape(out, text + run, i - run);
		dbuf_appendstr(out, "<mark>");
		html_escape(out, text + i, m);
		dbuf_appendstr(out, "</mark>");
		marked = 1;
		i += m - 1;
		run = i + 1;
	}
	html_escape(out, text + run, len - run);
	return (marked);
}

int
search_mark(struct dbuf *out, const char *text, const char *q)
{
	struct search_words sw;

	words_split(&sw, q);
	return (mark_words(out, &sw, text, strlen(text)));
}

/*
 * An excerpt of body around its first matching word, about `width`
 * bytes, cut at spaces and never inside a UTF-8 character, with "…" where
 * it was cut, marked as search_mark() does.  0 (nothing written) when no
 * word of body matches.
 */
int
search_excerpt(struct dbuf *out, const char *body, const char *q, size_t width)
{
	struct search_words sw;
	size_t		    len, at, from, to;

	words_split(&sw, q);
	len = strlen(body);
	if (sw.n == 0 || (at = first_match(&sw, body, len)) == len)
		return (0);
	from = at > width / 3 ? at - width / 3 : 0;
	to = from + width < len ? from + width : len;
	while (from > 0 && from < at && body[from - 1] != ' ' &&
	    body[from - 1] != '\n')
		from++;
	while (to < len && to > at && body[to] != ' ' && body[to] != '\n')
		to--;
	/* At a character's first byte (from only ever moves back). */
	while (from > 0 && ((unsigned char)body[from] & 0xC0) == 0x80)
		from--;
	while (to < len && to > from &&
	    ((unsigned char)body[to] & 0xC0) == 0x80)
		to--;
	if (to < from)
		to = from;
	if (from > 0)
		dbuf_appendstr(out, "\xE2\x80\xA6");
	(void)mark_words(out, &sw, body + from, to - from);
	if (to < len)
		dbuf_appendstr(out, "\xE2\x80\xA6");
	return (1);
}
