/*
 * The second factor's pure half: the codes a person types (an
 * authenticator's six digits, checked with liboath, or a recovery code),
 * the secret sealed with a key the database never sees (AES-256-GCM,
 * OpenSSL), and what enrolment shows (the otpauth:// address as a QR
 * code drawn as SVG by libqrencode, and the secret as text).
 */

#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drive.h"

#define GCM_NONCE 12
#define GCM_TAG	  16

/* Crockford's base32, lower case: no i, l, o or u to misread. */
static const char recovery_alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";

static int oath_ready;

static void
oath_once(void)
{
	if (!oath_ready) {
		if (oath_init() != OATH_OK)
			abort();
		oath_ready = 1;
	}
}

int
factor_key_parse(const char *hex, unsigned char *key)
{
	if (hex == NULL || strlen(hex) != FACTOR_KEY_LEN * 2)
		return (0);
	return (hex_decode(hex, FACTOR_KEY_LEN * 2, key, FACTOR_KEY_LEN));
}

/* A key of its own for each use, derived from the one the operator keeps. */
static void
subkey(const unsigned char *key, const char *use, unsigned char *out)
{
	unsigned int len = FACTOR_KEY_LEN;

	if (HMAC(EVP_sha256(), key, FACTOR_KEY_LEN, (const unsigned char *)use,
		strlen(use), out, &len) == NULL)
		abort();
}

size_t
factor_sealed_len(size_t plain)
{
	return (GCM_NONCE + plain + GCM_TAG);
}

int
factor_seal(const unsigned char *key, const unsigned char *plain, size_t len,
    unsigned char *out)
{
	EVP_CIPHER_CTX *c;
	unsigned char	k[FACTOR_KEY_LEN];
	int		n, ok = 0;

	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return (0);
	subkey(key, "drive second factor secret", k);
	if (RAND_bytes(out, GCM_NONCE) == 1 &&
	    EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, k, out) == 1 &&
	    EVP_EncryptUpdate(c, out + GCM_NONCE, &n, plain, (int)len) == 1 &&
	    (size_t)n == len &&
	    EVP_EncryptFinal_ex(c, out + GCM_NONCE + n, &n) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, GCM_TAG,
		out + GCM_NONCE + len) == 1)
		ok = 1;
	EVP_CIPHER_CTX_free(c);
	explicit_bzero(k, sizeof(k));
	return (ok);
}

/* The plain secret into out (inlen - 28 bytes); 0 when forged or torn. */
int
factor_open(const unsigned char *key, const unsigned char *in, size_t inlen,
    unsigned char *out)
{
	EVP_CIPHER_CTX *c;
	unsigned char	k[FACTOR_KEY_LEN], tag[GCM_TAG];
	size_t		len;
	int		n, ok = 0;

	if (inlen < GCM_NONCE + GCM_TAG + 1 || inlen > 1024)
		return (0);
	len = inlen - GCM_NONCE - GCM_TAG;
	memcpy(tag, in + GCM_NONCE + len, GCM_TAG);
	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return (0);
	subkey(key, "drive second factor secret", k);
	if (EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, k, in) == 1 &&
	    EVP_DecryptUpdate(c, out, &n, in + GCM_NONCE, (int)len) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, GCM_TAG, tag) == 1 &&
	    EVP_DecryptFinal_ex(c, out + n, &n) == 1)
		ok = 1;
	EVP_CIPHER_CTX_free(c);
	explicit_bzero(k, sizeof(k));
	if (!ok)
		explicit_bzero(out, len);
	return (ok);
}

/*
 * What was typed: six digits (spaces allowed, as apps show "123 456"),
 * FACTOR_TOTP; or a recovery code (ten letters and digits, hyphens and
 * spaces allowed, any case, i/l read as 1 and o as 0), FACTOR_RECOVERY,
 * normalised into out (at least 11 bytes); else 0.
 */
int
factor_code_parse(const char *in, char *out, size_t outlen)
{
	size_t	    n = 0, digits = 0;
	const char *p;
	int	    c;

	if (outlen < FACTOR_RECOVERY_LEN + 1)
		return (0);
	out[0] = '\0';
	if (in == NULL)
		return (0);
	for (p = in; *p != '\0'; p++) {
		c = (unsigned char)*p;
		if (c == ' ' || c == '-')
			continue;
		if (p - in > 64 || n >= FACTOR_RECOVERY_LEN)
			goto refused;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c == 'i' || c == 'l')
			c = '1';
		else if (c == 'o')
			c = '0';
		if (strchr(recovery_alphabet, c) == NULL)
			goto refused;
		if (c >= '0' && c <= '9')
			digits++;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	if (n == FACTOR_TOTP_DIGITS && digits == n)
		return (FACTOR_TOTP);
	if (n == FACTOR_RECOVERY_LEN)
		return (FACTOR_RECOVERY);
refused:
	out[0] = '\0';
	return (0);
}

/* A new recovery code as shown: "xxxxx-xxxxx" (12 bytes with the NUL). */
void
factor_recovery_new(char *out)
{
	unsigned char b[FACTOR_RECOVERY_LEN];
	size_t	      i, o = 0;

	if (RAND_bytes(b, sizeof(b)) != 1)
		abort();
	for (i = 0; i < FACTOR_RECOVERY_LEN; i++) {
		if (i == FACTOR_RECOVERY_LEN / 2)
			out[o++] = '-';
		out[o++] = recovery_alphabet[b[i] & 31];
	}
	out[o] = '\0';
	explicit_bzero(b, sizeof(b));
}

/* HMAC-SHA256 of a normalised recovery code, as hex (65 bytes). */
void
factor_recovery_hash(const unsigned char *key, const char *code, char *hex)
{
	unsigned char k[FACTOR_KEY_LEN], mac[32];
	unsigned int  len = sizeof(mac);

	subkey(key, "drive recovery code", k);
	if (HMAC(EVP_sha256(), k, sizeof(k), (const unsigned char *)code,
		strlen(code), mac, &len) == NULL)
		abort();
	hex_encode(mac, sizeof(mac), hex);
	explicit_bzero(k, sizeof(k));
}

/*
 * Checks six digits against the secret at time now, one 30-second step
 * either way; on a match *step is the step the code belongs to (the
 * caller refuses it when a code of that step or a later one was used).
 * liboath computes each step's code (RFC 6238); they are compared here,
 * all three and in constant time, where liboath's own validation would
 * stop at the first differing digit.
 */
int
factor_totp_check(const unsigned char *secret, size_t len, const char *code,
    int64_t now, int64_t *step)
{
	char	want[FACTOR_TOTP_DIGITS + 1];
	int64_t base, found = -1;
	int	off;

	oath_once();
	if (code == NULL || strlen(code) != FACTOR_TOTP_DIGITS || now < 0)
		return (0);
	base = now / FACTOR_TOTP_STEP;
	for (off = -1; off <= 1; off++) {
		if (base + off < 0 ||
		    oath_totp_generate((const char *)secret, len,
			(time_t)((base + off) * FACTOR_TOTP_STEP),
			FACTOR_TOTP_STEP, 0, FACTOR_TOTP_DIGITS,
			want) != OATH_OK)
			continue;
		/* The latest step that matches: a replay can only be later. */
		if (CRYPTO_memcmp(want, code, FACTOR_TOTP_DIGITS) == 0)
			found = base + off;
	}
	explicit_bzero(want, sizeof(want));
	if (found < 0)
		return (0);
	*step = found;
	return (1);
}

/* The code of a step (for the unit tests' cross-checks). */
int
factor_totp_code(const unsigned char *secret, size_t len, int64_t now,
    char *out)
{
	oath_once();
	return (oath_totp_generate((const char *)secret, len, (time_t)now,
		    FACTOR_TOTP_STEP, 0, FACTOR_TOTP_DIGITS, out) == OATH_OK);
}

/* The secret in base32, grouped in fours when grouped != 0 (malloc'ed). */
char *
factor_base32(const unsigned char *secret, size_t len, int grouped)
{
	struct dbuf b;
	char	   *raw = NULL;
	size_t	    rawlen = 0, i;

	oath_once();
	if (oath_base32_encode((const char *)secret, len, &raw, &rawlen) !=
	    OATH_OK)
		abort();
	dbuf_init(&b);
	for (i = 0; i < rawlen && raw[i] != '='; i++) {
		if (grouped && i > 0 && i % 4 == 0)
			dbuf_append(&b, " ", 1);
		dbuf_append(&b, &raw[i], 1);
	}
	explicit_bzero(raw, rawlen);
	free(raw);
	return (dbuf_release(&b));
}

/*
 * The address an authenticator app reads (Key URI Format):
 * otpauth://totp/Issuer:account?secret=...&issuer=Issuer&period=30.
 */
char *
factor_otpauth_uri(const unsigned char *secret, size_t len, const char *issuer,
    const char *account)
{
	struct dbuf b;
	char	   *s32;

	s32 = factor_base32(secret, len, 0);
	dbuf_init(&b);
	dbuf_appendstr(&b, "otpauth://totp/");
	url_encode(&b, issuer);
	dbuf_appendstr(&b, ":");
	url_encode(&b, account);
	dbuf_appendf(&b, "?secret=%s&issuer=", s32);
	url_encode(&b, issuer);
	dbuf_appendf(&b, "&algorithm=SHA1&digits=%d&period=%d",
	    FACTOR_TOTP_DIGITS, FACTOR_TOTP_STEP);
	explicit_bzero(s32, strlen(s32));
	free(s32);
	return (dbuf_release(&b));
}

/*
 * text as a QR code in SVG: one path of unit squares with a quiet zone
 * of four modules, black on white whatever the page's colours.  NULL
 * when the text does not fit a QR code.
 */
char *
factor_qr_svg(const char *text, const char *label)
{
	QRcode	   *qr;
	struct dbuf b;
	int	    x, y, w;

	if ((qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1)) ==
	    NULL)
		return (NULL);
	w = qr->width;
	dbuf_init(&b);
	dbuf_appendf(&b,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\""
	    " viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
	    w + 8, w + 8);
	html_escape(&b, label, strlen(label));
	dbuf_appendf(&b,
	    "\" shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\""
	    " fill=\"#fff\"/><path fill=\"#000\" d=\"",
	    w + 8, w + 8);
	for (y = 0; y < w; y++) {
		for (x = 0; x < w; x++) {
			if (qr->data[y * w + x] & 1)
				dbuf_appendf(&b, "M%d %dh1v1h-1z", x + 4,
				    y + 4);
		}
	}
	dbuf_appendstr(&b, "\"/></svg>");
	QRcode_free(qr);
	return (dbuf_release(&b));
}

/*
 * The weekly digest's unsubscribe link (README, "Weekly digest"): the
 * person's id and an HMAC-SHA256 of it, cut to 128 bits, under a key
 * derived from the operator's for this use alone.  The mailer keeps only
 * that derived key, so it can sign links but open no second factor.
 */
void
factor_digest_key(const unsigned char *key, unsigned char *out)
{
	subkey(key, "drive digest unsubscribe", out);
}

static void
digest_mac(const unsigned char *dkey, const char *id, char *hex)
{
	unsigned char mac[32];
	unsigned int  len = sizeof(mac);
	char	      msg[64];

	(void)snprintf(msg, sizeof(msg), "unsubscribe:%s", id);
	if (HMAC(EVP_sha256(), dkey, FACTOR_KEY_LEN, (const unsigned char *)msg,
		strlen(msg), mac, &len) == NULL)
		abort();
	hex_encode(mac, FACTOR_DIGEST_MAC, hex);
	explicit_bzero(mac, sizeof(mac));
}

/* "<id>.<32 hex digits>" into out (FACTOR_DIGEST_TOKEN_MAX bytes). */
void
factor_digest_token(const unsigned char *dkey, int64_t user, char *out)
{
	char id[24], hex[2 * FACTOR_DIGEST_MAC + 1];

	(void)snprintf(id, sizeof(id), "%lld", (long long)user);
	digest_mac(dkey, id, hex);
	(void)snprintf(out, FACTOR_DIGEST_TOKEN_MAX, "%s.%s", id, hex);
}

/*
 * The person a token names, or 0 when it is not one this key signed:
 * 1-18 digits without a leading zero, a dot, 32 lower-case hex digits,
 * compared in constant time.
 */
int64_t
factor_digest_check(const unsigned char *dkey, const char *token)
{
	char	    id[24], hex[2 * FACTOR_DIGEST_MAC + 1];
	const char *dot;
	size_t	    n;
	int	    ok;

	if (token == NULL || (dot = strchr(token, '.')) == NULL)
		return (0);
	n = (size_t)(dot - token);
	if (n == 0 || n > 18 || token[0] == '0' ||
	    strspn(token, "0123456789") != n ||
	    strlen(dot + 1) != 2 * FACTOR_DIGEST_MAC ||
	    strspn(dot + 1, "0123456789abcdef") != 2 * FACTOR_DIGEST_MAC)
		return (0);
	memcpy(id, token, n);
	id[n] = '\0';
	digest_mac(dkey, id, hex);
	ok = CRYPTO_memcmp(hex, dot + 1, 2 * FACTOR_DIGEST_MAC) == 0;
	explicit_bzero(hex, sizeof(hex));
	return (ok ? strtoll(id, NULL, 10) : 0);
}
