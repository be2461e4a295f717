# Drive: `make run` serves the portal on http://127.0.0.1:8888,
# `make test` runs every suite.  Both install what is missing first.

CC	?= cc
# The flags Kore publishes, read when a recipe needs them (after `deps`
# has installed Kore), never while the Makefile is parsed.
KORE_FEATURES = $(shell cat /usr/share/kore/features)
CFLAGS	+= -std=c99 -D_GNU_SOURCE -O2 -g -fPIC -Wall -Wextra -Werror \
	   -Wmissing-prototypes -Wstrict-prototypes -Wpointer-arith \
	   -Wsign-compare -Wshadow -Wno-unused-parameter \
	   -Wno-missing-field-initializers
PURE_SRC = app/util.c app/form.c app/i18n.c app/tpl.c app/check.c app/mime.c \
	   app/chain.c app/input.c app/factor.c app/guard.c app/minify.c
# What the pure code links with (factor.c: liboath, libqrencode, OpenSSL).
PURE_LIBS = -ljansson -lcmark -loath -lqrencode -lcrypto
KORE_SRC = app/main.c app/request.c app/routes.c app/db.c app/http_in.c app/http_out.c app/session.c \
	   app/password.c app/render.c app/auth.c app/invitations.c \
	   app/health.c app/ideas_list.c app/idea_page.c app/idea_form.c app/present.c app/votes.c app/comments.c \
	   app/notifications.c app/responses.c app/approval.c app/merge.c app/triage.c app/listening.c app/notes.c app/profile.c app/second_factor.c \
	   app/people.c app/organisations.c app/areas.c app/audit.c app/account.c app/static.c \
	   app/oidc.c app/sensitive.c app/redact.c app/digest.c app/audience.c app/statuses.c \
	   app/catalog.c
MODULE_LIBS = -lcmark -ljansson -largon2 -lcurl -loath -lqrencode -lcjose -lssl \
	      -lcrypto

BUILD	= build
MODULE	= $(BUILD)/drive.so
DRIVECTL = $(BUILD)/drivectl
MAILER	= $(BUILD)/drive-mailer
UNIT_TESTS = $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))

.PHONY: all build deps run test unit e2e browser clean demo fuzz fuzz-build asan-build \
	screenshots lint lint-run format format-check

all: build

build: $(MODULE) $(DRIVECTL) $(MAILER)

deps:
	@conf/local.sh deps

$(MODULE): $(PURE_SRC) $(KORE_SRC) app/drive.h
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) $(KORE_FEATURES) -shared -o $@ $(PURE_SRC) $(KORE_SRC) \
	    $(MODULE_LIBS)

$(DRIVECTL): app/drivectl.c app/util.c app/check.c app/chain.c app/drive.h
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -DDRIVE_PURE -I/usr/include/postgresql -o $@ \
	    app/drivectl.c app/util.c app/check.c app/chain.c -lpq -ljansson \
	    -lcrypto

$(MAILER): app/mail.c $(PURE_SRC) app/drive.h
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -DDRIVE_PURE -I/usr/include/postgresql -o $@ \
	    app/mail.c $(PURE_SRC) -lpq -lcurl $(PURE_LIBS)

$(BUILD)/unit/%: tests/unit/%.c $(PURE_SRC) app/drive.h
	@mkdir -p $(BUILD)/unit
	$(CC) $(CFLAGS) -DDRIVE_PURE -Iapp -o $@ $< $(PURE_SRC) \
	    -lcmocka $(PURE_LIBS)

# libFuzzer harnesses (tests/fuzz/), one a parser of untrusted input,
# built with clang and ASan + UBSan; `make fuzz` runs each FUZZ_SECONDS.
FUZZ_CC	?= clang
FUZZ_CFLAGS = -std=c99 -D_GNU_SOURCE -g -O1 -Wall -Werror -DDRIVE_PURE -Iapp \
	   -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZERS = $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(PURE_SRC) app/drive.h
	@mkdir -p $(BUILD)/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(PURE_SRC) $(PURE_LIBS)

fuzz-build: $(FUZZERS)

# The module with ASan + UBSan for the sanitizer run of the e2e suite
# (tests/run.sh asan): Kore is not instrumented, so the run preloads
# clang's ASan runtime (which carries UBSan's) into kore.  clang, unlike
# gcc, wants a prototype for the hook KORE_SECCOMP_FILTER defines.
ASAN_MODULE = $(BUILD)/asan/drive.so
$(ASAN_MODULE): $(PURE_SRC) $(KORE_SRC) app/drive.h
	@mkdir -p $(BUILD)/asan
	$(FUZZ_CC) $(CFLAGS) -O1 -Wno-missing-prototypes $(KORE_FEATURES) \
	    -fsanitize=address,undefined \
	    -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
	    -shared-libasan -shared -o $@ $(PURE_SRC) $(KORE_SRC) $(MODULE_LIBS)

asan-build: $(ASAN_MODULE)

fuzz: deps
	@conf/local.sh test-deps
	@$(MAKE) --no-print-directory fuzz-build
	@tests/fuzz/run.sh

# Lint: cppcheck, then clang-tidy (.clang-tidy) over app/*.c with the
# flags of the build, which build/compile_commands.json records: the
# module's files with Kore's features, the pure files and the two
# programs with -DDRIVE_PURE.  clang-tidy runs once a file: given
# several, clang-tidy 14's analyzer reports every va_list after the first
# file as uninitialised.  Any finding fails.  The cppcheck findings
# accepted as false positives are in conf/cppcheck-suppress, with why.
LINT_PURE = $(PURE_SRC) app/drivectl.c app/mail.c
LINT_SRC = $(LINT_PURE) $(KORE_SRC)
CPPCHECK = cppcheck -q --std=c99 --enable=warning,portability,performance \
	   --error-exitcode=1 --suppressions-list=conf/cppcheck-suppress \
	   --library=posix --include=/usr/include/x86_64-linux-gnu/sys/queue.h \
	   -D_GNU_SOURCE -Iapp

$(BUILD)/compile_commands.json: Makefile
	@mkdir -p $(BUILD)
	@{ echo '['; sep=''; \
	for f in $(LINT_PURE); do \
		printf '%s{"directory": "%s", "file": "%s", "command": "%s"}\n' \
		    "$$sep" "$(CURDIR)" "$$f" \
		    "$(CC) $(CFLAGS) -DDRIVE_PURE -I/usr/include/postgresql -c $$f"; \
		sep=','; \
	done; \
	for f in $(KORE_SRC); do \
		printf ',{"directory": "%s", "file": "%s", "command": "%s"}\n' \
		    "$(CURDIR)" "$$f" "$(CC) $(CFLAGS) $(KORE_FEATURES) -c $$f"; \
	done; echo ']'; } > $@

# make lint: the format, cppcheck and clang-tidy, each clean (CI runs it).
lint: deps
	@conf/local.sh deps cppcheck clang-tidy clang-format
	@$(MAKE) --no-print-directory lint-run

lint-run: format-check $(BUILD)/compile_commands.json
	$(CPPCHECK) -DDRIVE_PURE -I/usr/include/postgresql $(LINT_PURE)
	$(CPPCHECK) $(KORE_FEATURES) $(KORE_SRC)
	@rc=0; for f in $(LINT_SRC); do \
		clang-tidy --quiet -p $(BUILD) $$f || rc=1; \
	done; exit $$rc

# clang-format (.clang-format, KNF as far as it goes) over the C sources.
FORMAT_SRC = $(wildcard app/*.c app/*.h tests/unit/*.c tests/fuzz/*.c \
	   tests/fuzz/*.h)

format:
	clang-format -i $(FORMAT_SRC)

format-check:
	clang-format --dry-run --Werror $(FORMAT_SRC)

# `deps` installs the compiler and Kore first; the build runs in a second
# make so that nothing is read from a package before it is installed.
run: deps
	@$(MAKE) --no-print-directory build
	@conf/local.sh run

demo: deps
	@$(MAKE) --no-print-directory build
	@conf/local.sh demo

# The main pages of each role as PNGs in var/screenshots (demo data, a
# stack of its own; Chromium at 1280 and 375 px, English and German).
screenshots: deps
	@$(MAKE) --no-print-directory build
	@conf/local.sh test-deps
	@tests/run.sh screenshots

unit: $(UNIT_TESTS)

test: deps
	@conf/local.sh test-deps
	@$(MAKE) --no-print-directory build unit
	@tests/run.sh

# Load test with its own PostgreSQL and Kore (tests/bench/run.sh; about
# 10 minutes on 2 cores); the table goes to bench/results/ as JSON.
.PHONY: bench
bench: deps
	@$(MAKE) --no-print-directory build
	@tests/bench/run.sh

# Instructions per request, counted by callgrind with one Kore worker
# (tests/bench/callgrind.sh; a few minutes): GET /, an idea, the API list
# and a search, with the share of the jansson context, the templates,
# libpq and Kore's HTTP; CG_TARGET=<checkout> measures another build.
.PHONY: bench-callgrind
bench-callgrind: deps
	@$(MAKE) --no-print-directory build
	@tests/bench/callgrind.sh

# The high-availability shape on loopback (conf/cluster/, README "High
# availability"): HAProxy, two Kore hosts, two mailers, etcd, a Patroni
# pair and pgBackRest; Ctrl-C stops it.  `make test-cluster` proves its
# failovers and the restore (tests/cluster/), ending "N passed, N failed".
.PHONY: cluster test-cluster
cluster: deps
	@conf/cluster/cluster.sh deps
	@$(MAKE) --no-print-directory build
	@conf/cluster/cluster.sh run

test-cluster: deps
	@conf/cluster/cluster.sh deps
	@$(MAKE) --no-print-directory build
	@tests/cluster/run.sh

clean:
	rm -rf $(BUILD)
