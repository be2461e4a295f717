/*
 * The sensitive data guard: finds what should not be posted to a portal
 * every client of the bank reads.  Pure C, no regular expressions: one
 * pass a kind over the text's bytes.  Every finding starts and ends on an
 * ASCII byte, so its offset and length never cut a UTF-8 sequence.
 *
 * What counts (README, "Sensitive data guard"):
 * - an IBAN: two letters, two check digits, 11-30 letters or digits
 *   (15-34 in all), in groups separated by single spaces or written
 *   together, whose ISO 13616 mod-97 check holds;
 * - a payment card number: 13-19 digits, groups separated by single
 *   spaces or hyphens, whose Luhn check holds;
 * - an e-mail address: local@domain.tld (the TLD two letters or more);
 * - a telephone number: "+" and 8-15 digits (E.164), or a national
 *   number starting with 0 and 9-15 digits, its groups separated by one
 *   or two of " -./()";
 * - an account number's shape: 8 or more digits written together that are
 *   none of the above and not part of an amount (12345678.90).
 * Overlaps go to the first kind in that order.
 */

#include <stdlib.h>
#include <string.h>

#include "drive.h"

static int
is_digit(int c)
{
	return (c >= '0' && c <= '9');
}

static int
is_upper(int c)
{
	return (c >= 'A' && c <= 'Z');
}

static int
is_alpha(int c)
{
	return (is_upper(c) || (c >= 'a' && c <= 'z'));
}

/* A byte of a word: ASCII letter or digit, or any byte of a non-ASCII. */
static int
is_word(int c)
{
	return (is_digit(c) || is_alpha(c) || c == '_' || (c & 0x80));
}

/* The byte before i, or 0 at the start. */
static int
before(const char *s, size_t i)
{
	return (i > 0 ? (unsigned char)s[i - 1] : 0);
}

static int
at(const char *s, size_t len, size_t i)
{
	return (i < len ? (unsigned char)s[i] : 0);
}

/* 1 when [off, off + n) overlaps a finding already made. */
static int
overlaps(const struct guard_hit *hits, size_t nhits, size_t off, size_t n)
{
	size_t i;

	for (i = 0; i < nhits; i++)
		if (off < hits[i].off + hits[i].len && hits[i].off < off + n)
			return (1);
	return (0);
}

static void
add(struct guard_hit *hits, size_t *nhits, size_t max, int kind, size_t off,
    size_t n)
{
	if (*nhits >= max || overlaps(hits, *nhits, off, n))
		return;
	hits[*nhits].kind = kind;
	hits[*nhits].off = off;
	hits[*nhits].len = n;
	(*nhits)++;
}

/* ISO 13616: the first four moved to the end, letters 10-35, mod 97. */
int
guard_iban_valid(const char *chars, size_t n)
{
	unsigned int m = 0;
	size_t	     i, k;
	int	     c;

	if (n < 15 || n > 34 || !is_upper(chars[0]) || !is_upper(chars[1]) ||
	    !is_digit(chars[2]) || !is_digit(chars[3]))
		return (0);
	for (k = 0; k < n; k++) {
		i = (k + 4) % n;
		c = (unsigned char)chars[i];
		if (is_digit(c))
			m = (m * 10 + (unsigned int)(c - '0')) % 97;
		else if (is_upper(c))
			m = (m * 100 + (unsigned int)(c - 'A' + 10)) % 97;
		else
			return (0);
	}
	return (m == 1);
}

/* Luhn over n digits. */
int
guard_luhn_valid(const char *digits, size_t n)
{
	unsigned int sum = 0, d;
	size_t	     i;

	if (n == 0)
		return (0);
	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char)digits[n - 1 - i]))
			return (0);
		d = (unsigned int)(digits[n - 1 - i] - '0');
		if (i % 2 == 1) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return (sum % 10 == 0);
}

/*
 * IBANs: at a word's start, two capitals and two digits; letters and
 * digits follow, single spaces allowed between them.  The longest run
 * that ends where a group ends and passes the check is the finding.
 */
static void
scan_iban(const char *s, size_t len, struct guard_hit *hits, size_t *nhits,
    size_t max)
{
	char   chars[35];
	size_t ends[35]; /* after the k-th character, its end in s */
	size_t i, j, n, k;
	int    c;

	for (i = 0; i + 4 <= len; i++) {
		if (!is_upper(at(s, len, i)) || !is_upper(at(s, len, i + 1)) ||
		    !is_digit(at(s, len, i + 2)) ||
		    !is_digit(at(s, len, i + 3)) || is_word(before(s, i)))
			continue;
		n = 0;
		j = i;
		while (j < len && n < 34) {
			c = (unsigned char)s[j];
			if (is_digit(c) || is_alpha(c)) {
				chars[n] = (char)(is_alpha(c) && !is_upper(c) ?
					c - 'a' + 'A' :
					c);
				ends[n++] = ++j;
			} else if (c == ' ' && n > 0 && j + 1 < len &&
			    (is_digit(at(s, len, j + 1)) ||
				is_alpha(at(s, len, j + 1))))
				j++;
			else
				break;
		}
		for (k = n; k >= 15; k--) {
			/* A cut inside a group is no IBAN's end. */
			c = at(s, len, ends[k - 1]);
			if (is_digit(c) || is_alpha(c) || (c & 0x80))
				continue;
			if (guard_iban_valid(chars, k)) {
				add(hits, nhits, max, GUARD_IBAN, i,
				    ends[k - 1] - i);
				i = ends[k - 1];
				break;
			}
		}
	}
}

/*
 * A number starts where no word, amount or idea number goes on: not
 * after a letter or digit, nor after "#", "+", ".", "," or "/".
 */
static int
number_start(const char *s, size_t i)
{
	int b = before(s, i);

	return (!is_word(b) && b != '#' && b != '+' && b != '.' && b != ',' &&
	    b != '/' && b != '-');
}

/* Nor does it end in a word or an amount's decimals. */
static int
number_end(const char *s, size_t len, size_t j)
{
	int c = at(s, len, j);

	if (is_word(c))
		return (0);
	if ((c == '.' || c == ',') && is_digit(at(s, len, j + 1)))
		return (0);
	return (1);
}

/* Card numbers: digits, single spaces or hyphens between them. */
static void
scan_card(const char *s, size_t len, struct guard_hit *hits, size_t *nhits,
    size_t max)
{
	char   digits[20];
	size_t i, j, n;
	int    c, sep;

	for (i = 0; i < len; i++) {
		if (!is_digit(at(s, len, i)) || !number_start(s, i))
			continue;
		n = 0;
		sep = 0;
		j = i;
		while (j < len) {
			c = (unsigned char)s[j];
			if (is_digit(c)) {
				if (n < sizeof(digits))
					digits[n] = (char)c;
				n++;
				j++;
			} else if ((c == ' ' || c == '-') &&
			    (sep == 0 || sep == c) &&
			    is_digit(at(s, len, j + 1))) {
				sep = c;
				j++;
			} else
				break;
		}
		if (n >= 13 && n <= 19 && number_end(s, len, j) &&
		    guard_luhn_valid(digits, n))
			add(hits, nhits, max, GUARD_CARD, i, j - i);
		i = j;
	}
}

static int
phone_sep(int c)
{
	return (c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' ||
	    c == ')');
}

/*
 * Telephone numbers: "+" and a digit, or "0" where a number starts (also
 * "(0"); then digits with at most two separators between groups.
 */
static void
scan_phone(const char *s, size_t len, struct guard_hit *hits, size_t *nhits,
    size_t max)
{
	size_t i, j, start, n, seps, last;
	int    c, intl, open;

	for (i = 0; i < len; i++) {
		c = at(s, len, i);
		start = i;
		if (c == '+' && is_digit(at(s, len, i + 1)) &&
		    !is_word(before(s, i)) && before(s, i) != '+') {
			intl = 1;
			j = i + 1;
		} else if (c == '0' && number_start(s, i)) {
			intl = 0;
			j = i;
		} else if (c == '(' && at(s, len, i + 1) == '0' &&
		    !is_word(before(s, i))) {
			intl = 0;
			j = i + 1;
		} else
			continue;
		n = 0;
		seps = 0;
		last = j;
		open = c == '(';
		while (j < len) {
			c = (unsigned char)s[j];
			if (is_digit(c)) {
				n++;
				seps = 0;
				last = ++j;
			} else if (phone_sep(c) && seps < 2) {
				if (c == '(')
					open++;
				else if (c == ')' && open-- <= 0)
					break;
				seps++;
				j++;
			} else
				break;
		}
		/* A closing parenthesis may end it. */
		if (last < len && s[last] == ')' && open > 0)
			last++;
		if (n >= (intl ? 8u : 9u) && n <= 15 &&
		    number_end(s, len, last) &&
		    !(at(s, len, last) == '.' &&
			is_digit(at(s, len, last + 1))))
			add(hits, nhits, max, GUARD_PHONE, start, last - start);
		if (last > i)
			i = last - 1;
	}
}

static int
local_char(int c)
{
	return (is_digit(c) || is_alpha(c) || c == '.' || c == '_' ||
	    c == '%' || c == '+' || c == '-');
}

static int
domain_char(int c)
{
	return (is_digit(c) || is_alpha(c) || c == '.' || c == '-');
}

/* E-mail addresses: around each "@", local@label.label.tld. */
static void
scan_email(const char *s, size_t len, struct guard_hit *hits, size_t *nhits,
    size_t max)
{
	size_t i, a, b, dot, k;
	int    ok;

	for (i = 0; i < len; i++) {
		if (s[i] != '@')
			continue;
		a = i;
		while (a > 0 && local_char((unsigned char)s[a - 1]))
			a--;
		while (a < i && s[a] == '.')
			a++;
		b = i + 1;
		while (b < len && domain_char((unsigned char)s[b]))
			b++;
		while (b > i + 1 && (s[b - 1] == '.' || s[b - 1] == '-'))
			b--;
		if (a == i || b <= i + 1)
			continue;
		dot = 0;
		for (k = i + 1; k < b; k++)
			if (s[k] == '.')
				dot = k;
		if (dot == 0 || dot == i + 1 || b - dot < 3)
			continue;
		ok = 1;
		for (k = dot + 1; k < b; k++)
			if (!is_alpha((unsigned char)s[k]))
				ok = 0;
		if (ok)
			add(hits, nhits, max, GUARD_EMAIL, a, b - a);
	}
}

/* Account numbers: 8 or more digits together, none of the above. */
static void
scan_account(const char *s, size_t len, struct guard_hit *hits, size_t *nhits,
    size_t max)
{
	size_t i, j;

	for (i = 0; i < len; i++) {
		if (!is_digit(at(s, len, i)))
			continue;
		j = i;
		while (j < len && is_digit((unsigned char)s[j]))
			j++;
		if (j - i >= 8 && number_start(s, i) && number_end(s, len, j))
			add(hits, nhits, max, GUARD_ACCOUNT, i, j - i);
		i = j;
	}
}

static int
hit_order(const void *a, const void *b)
{
	const struct guard_hit *x = a, *y = b;

	return (x->off < y->off ? -1 : x->off > y->off);
}

size_t
guard_scan(const char *s, size_t len, struct guard_hit *hits, size_t max)
{
	size_t n = 0;

	if (s == NULL || max == 0)
		return (0);
	scan_iban(s, len, hits, &n, max);
	scan_card(s, len, hits, &n, max);
	scan_email(s, len, hits, &n, max);
	scan_phone(s, len, hits, &n, max);
	scan_account(s, len, hits, &n, max);
	qsort(hits, n, sizeof(*hits), hit_order);
	return (n);
}

const char *
guard_kind_name(int kind)
{
	switch (kind) {
	case GUARD_IBAN:
		return ("iban");
	case GUARD_CARD:
		return ("card");
	case GUARD_EMAIL:
		return ("email");
	case GUARD_PHONE:
		return ("phone");
	case GUARD_ACCOUNT:
		return ("account");
	}
	return ("unknown");
}

/* The line (from 1) that the byte at off is on. */
size_t
guard_line(const char *s, size_t len, size_t off)
{
	size_t i, line = 1;

	for (i = 0; i < off && i < len; i++)
		if (s[i] == '\n')
			line++;
	return (line);
}

/*
 * A masked excerpt: the finding's first few letters or digits as typed
 * (eight of an IBAN: country, check digits and four of the bank's code;
 * four of a number; two of an address's local part and its domain),
 * then "…".  Never the whole of it.
 */
void
guard_mask(struct dbuf *b, const char *s, const struct guard_hit *h)
{
	size_t i, shown = 0, keep;
	int    c;

	if (h->kind == GUARD_EMAIL) {
		for (i = 0; i < h->len && s[h->off + i] != '@'; i++)
			;
		dbuf_append(b, s + h->off, i < 2 ? (i > 0 ? 1 : 0) : 2);
		dbuf_appendstr(b, "…");
		dbuf_append(b, s + h->off + i, h->len - i);
		return;
	}
	keep = h->kind == GUARD_IBAN ? 8 : 4;
	if (h->kind == GUARD_ACCOUNT)
		keep = 3;
	for (i = 0; i < h->len && shown < keep; i++) {
		c = (unsigned char)s[h->off + i];
		if (is_digit(c) || is_alpha(c))
			shown++;
		dbuf_append(b, s + h->off + i, 1);
	}
	if (i > 0 && s[h->off + i - 1] != ' ')
		dbuf_appendstr(b, " ");
	dbuf_appendstr(b, "…");
}
