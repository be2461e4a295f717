/*
 * Paths a client chooses: the "next" and "back" targets of a redirect
 * (app/check.c: local_path) and the route a path matches, with its
 * parameters (app/input.c: route_match).
 */

#include "fuzz.h"

/* Patterns of each kind app/routes.c uses. */
static const char *patterns[] = {
	"/",
	"/ideas/new",
	"/ideas/:id",
	"/ideas/:id/vote",
	"/invite/*token",
	"/static/**",
	"/api/v1/ideas/:id/comments",
	"/a/:x/b/:y",
};

static void
route_check(const char *s)
{
	struct path_param p[PATH_PARAMS_MAX];
	char		  buf[64];
	size_t		  i, k;
	int		  n, j;

	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		if (!route_match(patterns[i], s, p, &n))
			continue;
		if (s[0] != '/' || n < 0 || n > PATH_PARAMS_MAX)
			FUZZ_FAIL("\"%s\" matched %s badly", s, patterns[i]);
		for (j = 0; j < n; j++) {
			if (p[j].value < s ||
			    p[j].value + p[j].len > s + strlen(s) ||
			    memchr(p[j].value, '/', p[j].len))
				FUZZ_FAIL("a parameter outside its segment");
			if (p[j].name[-1] != ':')
				continue;
			for (k = 0; k < p[j].len; k++) {
				if (p[j].value[k] < '0' || p[j].value[k] > '9')
					FUZZ_FAIL("\"%s\": a non-digit id", s);
			}
			if (p[j].len == 0 || p[j].len > 18)
				FUZZ_FAIL("\"%s\": id length %zu", s, p[j].len);
			(void)param_text(p, n, "id", buf, sizeof(buf));
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p;
	char	   *s;

	s = fuzz_str(data, size);
	p = local_path(s, "/");
	if (p != s && strcmp(p, "/") != 0)
		FUZZ_FAIL("local_path gave neither its input nor the fallback");
	if (p == s &&
	    (s[0] != '/' || s[1] == '/' || s[1] == '\\' ||
		!line_acceptable(s, strlen(s))))
		FUZZ_FAIL("local_path accepted \"%s\"", s);
	route_check(s);
	free(s);
	return (0);
}
