# planwatch — build, test, run. See README.md.
PREFIX  ?= /usr/local
PYTHON  ?= /usr/bin/python3
CC      ?= cc
# Recursive `=`, never `:=`: pkg-config is asked when a recipe runs, so `make deps run` works in
# one invocation on a machine that had none of the libraries when make read this file.
PKGS     = libzmq libsystemd yaml-0.1 libmicrohttpd libzip expat xlsxwriter $(shell pkg-config --exists msgpack-c 2>/dev/null && echo msgpack-c || echo msgpack)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) $(shell pkg-config --libs lmdb 2>/dev/null || echo -llmdb) -lcsv -lm
WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
BASE_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 $(WARN) -Iproto -Imodel $(PKG_CFLAGS)
SAN      = -fsanitize=address,undefined -fno-sanitize-recover=undefined

# Two object trees: build/ (optimised, what `make` and `make run` use) and build/san/
# (AddressSanitizer + UBSan, what `make test` uses).
O       ?= build
ifeq ($(SANITIZE),1)
O        = build/san
MODE_CFLAGS = -g -O1 -fno-omit-frame-pointer $(SAN)
MODE_LDFLAGS = $(SAN)
else
MODE_CFLAGS = -g -O2
MODE_LDFLAGS =
endif
CFLAGS  += $(BASE_CFLAGS) $(MODE_CFLAGS)
LDFLAGS += $(MODE_LDFLAGS)

# The layers, bottom up: proto -> store -> model -> daemon / client (docs/ARCHITECTURE.md).
PROTO_SRC  = proto/err.c proto/period.c proto/status.c proto/proto.c
STORE_SRC  = store/store.c store/record.c store/migrate.c store/hot.c store/pages.c
CAT_SRC    = model/ydoc.c model/catalog.c model/planmath.c model/unit.c model/formula.c
MODEL_SRC  = $(CAT_SRC) model/keypair.c model/plausible.c model/evaluate.c model/ytd.c \
             model/discipline.c
RULES_SRC  = daemon/rules.c daemon/alert.c daemon/notice.c daemon/overdue.c daemon/verdict.c \
             daemon/planstat.c
DAEMON_SRC = daemon/activate.c daemon/sandbox.c daemon/role.c daemon/auth.c daemon/config.c daemon/log.c daemon/validate.c \
             $(RULES_SRC) daemon/reply.c daemon/qbound.c daemon/outlier.c daemon/derive.c daemon/apply.c \
             daemon/query.c daemon/metrics.c \
             daemon/publisher.c daemon/live.c daemon/notify.c daemon/connlimit.c daemon/net.c \
             daemon/server.c daemon/reporting.c
CLIENT_SRC = client/planwatch.c
CSVIN_SRC  = client/csvin.c client/xlsxin.c
REPORT_SRC = client/report.c client/report_fmt.c client/report_csv.c client/report_json.c \
             client/report_html.c client/evaluation.c client/evaluation_out.c \
             client/evaluation_xlsx.c client/dispatch.c
HARNESS    = tests/harness.c $(CLIENT_SRC) $(PROTO_SRC)

obj = $(patsubst %.c,$(O)/%.o,$(1))

BINS  = $(O)/planwatchd $(O)/planwatch $(O)/libplanwatch.a
UNIT_TESTS = test_proto test_store test_catalog test_config test_rules test_csvin test_xlsxin \
             test_template test_activate test_metrics test_notice test_publisher test_planmath \
             test_unit test_plausible test_apply test_client test_evaluate test_ytd \
             test_discipline test_reporting
TEST_BINS = $(addprefix $(O)/tests/,$(UNIT_TESTS) test_integration)

.PHONY: FORCE all deps fresh-machine check-build test test-unit test-integration check-cli check-python \
        check-report check-dispatch check-tsan check-lib check-powerloss check-powerloss-break mutate \
        check-evaluate check-pages bench bench-full bench-peer run stop install clean fuzz soak
all: $(BINS)

# Every object depends on the flags it was built with: $(O)/flags holds the compile and link
# flags as computed now (after `make deps`, if that ran first) and is rewritten only when they
# differ, so changed flags (a new library, SANITIZE, MODE_CFLAGS=...) rebuild the tree.
FLAGS_STAMP = $(O)/flags
$(FLAGS_STAMP): FORCE
	@mkdir -p $(@D)
	@pkg-config --print-errors --exists $(PKGS) || \
	  { echo "missing libraries (pkg-config $(PKGS)): run 'make deps'" >&2; exit 1; }
	@printf '%s\n' '$(subst ','\'',$(CC) $(CFLAGS))' '$(subst ','\'',$(LDFLAGS) $(PKG_LIBS))' > $@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else \
	  [ ! -e $@ ] || echo "compiler or linker flags changed: rebuilding $(O)/"; mv $@.new $@; fi
# `make deps run` (or deps with anything else) under -j: nothing compiles before deps is done.
ifneq ($(filter deps,$(MAKECMDGOALS)),)
$(FLAGS_STAMP): | deps
endif
FORCE:

$(O)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# What each program links: NAME_SRC for $(O)/NAME, one link rule below for all of them.
planwatchd_SRC             = daemon/main.c $(DAEMON_SRC) $(MODEL_SRC) $(STORE_SRC) $(PROTO_SRC)
planwatch_SRC              = client/cli.c $(CSVIN_SRC) client/template.c $(REPORT_SRC) $(CLIENT_SRC) $(MODEL_SRC) \
                             $(PROTO_SRC)
tests/test_proto_SRC       = tests/test_proto.c $(PROTO_SRC)
tests/test_store_SRC       = tests/test_store.c $(STORE_SRC) proto/err.c proto/period.c
tests/test_catalog_SRC     = tests/test_catalog.c $(CAT_SRC) proto/err.c proto/period.c
tests/test_planmath_SRC    = tests/test_planmath.c model/planmath.c
tests/test_evaluate_SRC    = tests/test_evaluate.c model/evaluate.c model/planmath.c
tests/test_unit_SRC        = tests/test_unit.c $(CAT_SRC) proto/err.c proto/period.c
tests/test_ytd_SRC         = tests/test_ytd.c model/ytd.c proto/err.c proto/period.c
tests/test_reporting_SRC   = tests/test_reporting.c daemon/reporting.c model/ytd.c model/discipline.c $(CAT_SRC) \
                             $(STORE_SRC) $(PROTO_SRC)
tests/test_discipline_SRC  = tests/test_discipline.c model/discipline.c model/ytd.c proto/period.c
tests/test_plausible_SRC   = tests/test_plausible.c model/plausible.c model/unit.c proto/err.c \
                             proto/period.c
tests/test_config_SRC      = tests/test_config.c daemon/config.c model/ydoc.c proto/err.c
tests/test_rules_SRC       = tests/test_rules.c $(RULES_SRC) $(CAT_SRC) model/ytd.c model/discipline.c \
                             $(STORE_SRC) $(PROTO_SRC)
tests/test_apply_SRC       = tests/test_apply.c daemon/apply.c daemon/qbound.c daemon/outlier.c daemon/derive.c \
                             daemon/reply.c daemon/validate.c $(RULES_SRC) $(CAT_SRC) model/plausible.c \
                             model/ytd.c model/discipline.c \
                             $(STORE_SRC) $(PROTO_SRC)
tests/test_notice_SRC      = tests/test_notice.c daemon/notice.c $(STORE_SRC) $(PROTO_SRC)
tests/test_publisher_SRC   = tests/test_publisher.c daemon/publisher.c daemon/notice.c \
                             $(STORE_SRC) $(PROTO_SRC)
tests/test_csvin_SRC       = tests/test_csvin.c $(CSVIN_SRC) $(PROTO_SRC)
tests/test_xlsxin_SRC      = tests/test_xlsxin.c $(CSVIN_SRC) $(PROTO_SRC)
tests/test_template_SRC    = tests/test_template.c client/template.c $(CSVIN_SRC) $(PROTO_SRC)
tests/test_metrics_SRC     = tests/test_metrics.c daemon/metrics.c proto/err.c
tests/test_activate_SRC    = tests/test_activate.c daemon/activate.c
tests/test_integration_SRC = tests/test_integration.c $(HARNESS)
tests/test_security_SRC    = tests/test_security.c model/keypair.c model/ydoc.c $(HARNESS)
tests/test_targets_SRC     = tests/test_targets.c $(HARNESS)
tests/test_published_SRC   = tests/test_published.c $(HARNESS) $(CAT_SRC)
tests/test_outlier_SRC     = tests/test_outlier.c $(HARNESS)
tests/test_derived_SRC     = tests/test_derived.c $(HARNESS)
tests/crash_SRC            = tests/crash.c $(HARNESS)
tests/hostile_SRC          = tests/hostile.c $(HARNESS)
tests/damage_SRC           = tests/damage.c $(HARNESS)
tests/test_full_SRC        = tests/test_full.c $(HARNESS)
tests/test_conns_SRC       = tests/test_conns.c $(HARNESS)
tests/test_client_SRC      = tests/test_client.c $(CLIENT_SRC) $(PROTO_SRC)
bench_SRC                  = tests/bench.c $(STORE_SRC) $(HARNESS)
PROGRAMS = planwatchd planwatch bench tests/crash tests/hostile tests/damage \
           $(addprefix tests/,$(UNIT_TESTS) test_integration test_security test_targets \
           test_published test_outlier test_derived test_full test_conns)

$(O)/bench: EXTRA_LIBS = -lpthread
.SECONDEXPANSION:
$(addprefix $(O)/,$(PROGRAMS)): $(O)/%: $$(call obj,$$($$*_SRC))
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(EXTRA_LIBS)

# The client library exports pw_* and nothing else: its objects are linked into one
# relocatable object whose other globals (proto_*, period_*, status_*) become local.
$(O)/libplanwatch.a: $(call obj,$(CLIENT_SRC) $(PROTO_SRC))
	$(LD) -r -o $(O)/libplanwatch.o $^
	objcopy --wildcard --keep-global-symbol='pw_*' $(O)/libplanwatch.o
	rm -f $@ && ar rcs $@ $(O)/libplanwatch.o

# The power-loss simulator (tests/powerloss/): the shim is preloaded into the daemon, so it
# is built without sanitizers whatever the tree.
$(O)/powerloss/libpwshim.so: tests/powerloss/shim.c tests/powerloss/journal.h
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -g -O2 -fPIC -shared -o $@ $< -ldl -lpthread
$(O)/powerloss/powerloss: $(call obj,tests/powerloss/powerloss.c $(STORE_SRC) $(HARNESS))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
# A daemon whose store opens LMDB with an unsafe flag (PL_BREAK_FLAG, MDB_NOMETASYNC or
# MDB_NOSYNC): what the simulator must catch.
PL_BREAK_FLAG ?= MDB_NOMETASYNC
PLB = $(O)/plbreak-$(PL_BREAK_FLAG)
$(PLB)/store/store.o: store/store.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DSTORE_TEST_ENV_FLAGS=$(PL_BREAK_FLAG) -c $< -o $@
$(PLB)/planwatchd: $(call obj,$(filter-out store/store.c,$(planwatchd_SRC))) $(PLB)/store/store.o
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# ---- dependencies (Debian 12) ----
# Installed without recommends: with them, apt adds services nobody asked for (avahi-daemon,
# through a chain of recommends) and many packages the build never uses.
# man-db: `man planwatchd`. mmdebstrap, systemd-container: `make fresh-machine`.
DEB_PKGS = build-essential pkg-config libzmq3-dev libmsgpack-dev liblmdb-dev lmdb-utils \
           libsystemd-dev libyaml-dev libcsv-dev clang libclang-rt-14-dev \
           python3 python3-yaml python3-zmq python3-msgpack systemd curl \
           libmicrohttpd-dev chromium fonts-noto-cjk libzip-dev libexpat1-dev python3-openpyxl \
           libxlsxwriter-dev poppler-utils man-db git ca-certificates mmdebstrap systemd-container
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# promtool lints the metrics text in the tests. Debian ships it only inside `prometheus`,
# whose postinst enables and starts a Prometheus server on :9090; so we take promtool out of
# that package's .deb (apt-get download, no installation) into /usr/local/bin.
PROMTOOL_DIR = /usr/local/bin
deps:
	$(SUDO) apt-get update
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $(DEB_PKGS)
	@if command -v promtool >/dev/null; then echo "promtool: $$(command -v promtool)"; else \
	  t=$$(mktemp -d) && (cd $$t && apt-get download prometheus) && \
	  dpkg-deb --fsys-tarfile $$t/prometheus_*.deb | tar -x -C $$t ./usr/bin/promtool && \
	  $(SUDO) install -m 755 $$t/usr/bin/promtool $(PROMTOOL_DIR)/promtool && rm -rf $$t && \
	  echo "promtool: $(PROMTOOL_DIR)/promtool (from the prometheus .deb, server not installed)" \
	  || { rm -rf $$t; echo 'promtool not installed: the metrics tests skip promtool'; }; fi

# The README's set-up, its example session and the ops guide on a freshly bootstrapped
# Debian 12 root (mmdebstrap, systemd-nspawn; needs root). See tests/fresh-machine.sh.
fresh-machine:
	$(SUDO) tests/fresh-machine.sh

# ---- tests: always sanitized, from their own object tree ----
test: check-build
	$(MAKE) SANITIZE=1 test-unit test-integration
	$(MAKE) SANITIZE=1 check-powerloss check-powerloss-break check-pages
	ASAN_OPTIONS=detect_leaks=1 $(PYTHON) tests/test_systemd.py build/san/planwatchd
	ASAN_OPTIONS=detect_leaks=1 $(PYTHON) tests/test_migrate_v3.py build/san/planwatchd
	ASAN_OPTIONS=detect_leaks=1 $(PYTHON) tests/test_plans.py build/san/planwatchd
	ASAN_OPTIONS=detect_leaks=1 $(PYTHON) tests/test_migrate_v6.py build/san/planwatchd
	ASAN_OPTIONS=detect_leaks=1 $(PYTHON) tests/test_migrate_v7.py build/san/planwatchd
	ASAN_OPTIONS=detect_leaks=1 $(PYTHON) tests/test_overdue.py build/san/planwatchd
	ASAN_OPTIONS=detect_leaks=1 $(PYTHON) tests/test_verdicts.py build/san/planwatchd
	$(PYTHON) tests/check_catalog_sources.py
	$(MAKE) SANITIZE=1 O=build/san check-cli check-python check-report check-dispatch \
	  check-evaluate check-lib
	$(MAKE) check-tsan
	tests/fuzz/run.sh 10

check-build:
	tests/check-build.sh

# The publisher is the daemon's one thread of its own: its unit test under ThreadSanitizer
# (clang). The whole daemon is not: libzmq is not built for TSan, and its lock-free queues
# between our threads and its I/O thread show as races.
check-tsan:
	$(MAKE) O=build/tsan CC=clang MODE_CFLAGS='-g -O1 -fsanitize=thread' \
	  MODE_LDFLAGS=-fsanitize=thread build/tsan/tests/test_publisher
	TSAN_OPTIONS="halt_on_error=1 suppressions=tests/tsan.supp" build/tsan/tests/test_publisher

# Mutation run over model/planmath.c and model/evaluate.c (tests/mutate.py): each
# comparison, boundary, constant, sign and margin changed one at a time, the plan-maths unit
# tests and test_targets run against each; fails on a surviving mutant. Not part of `test`:
# 185 mutants, a rebuild each: 4 minutes on two shared CPUs (most die in the unit tests).
mutate:
	$(PYTHON) tests/mutate.py

check-report: $(O)/planwatchd $(O)/planwatch
	tests/test_report.sh $(O)

check-dispatch: $(O)/planwatchd $(O)/planwatch
	tests/test_dispatch.sh $(O)

# planwatch evaluate: the 13th plans' final evaluations (seed 001 reproduced), the formats
# agreeing, the HTML in Chromium and as PDF pages.
check-evaluate: $(O)/planwatchd $(O)/planwatch
	tests/test_evaluate.sh $(O)

# The installed library exports pw_* only, and an application that defines names of the
# library's internals still links against it.
check-lib: $(O)/libplanwatch.a
	tests/check_lib.sh $<
	@mkdir -p $(O)/tests
	$(CC) $(CFLAGS) $(LDFLAGS) -o $(O)/tests/lib_consumer tests/lib_consumer.c $< $(PKG_LIBS)
	$(O)/tests/lib_consumer

check-python: $(O)/planwatchd
	$(PYTHON) client/python/test_python_client.py $(O)/planwatchd

# libFuzzer on the decoders (msgpack, catalog, CSV, units, xlsx, data.mdb), 60 s each; FUZZ_SECONDS=N to change.
FUZZ_SECONDS ?= 60
fuzz:
	tests/fuzz/run.sh $(FUZZ_SECONDS)

test-unit: $(addprefix $(O)/tests/,$(UNIT_TESTS))
	@for t in $^; do echo "== $$t"; ASAN_OPTIONS=detect_leaks=1 $$t || exit 1; done

# Kinds of store damage the daemon does not handle yet (issue 20): run, reported, and the
# run fails as soon as one of them passes, so this list stays true.
DAMAGE_XFAIL =
INTEGRATION = test_integration test_targets test_security test_published test_outlier \
              test_derived test_full test_conns
test-integration: $(addprefix $(O)/tests/,$(INTEGRATION)) $(O)/tests/crash $(O)/tests/hostile $(O)/tests/damage $(O)/planwatchd $(O)/planwatch
	@for t in $(INTEGRATION); do echo "== $$t"; \
	  ASAN_OPTIONS=detect_leaks=1 PLANWATCHD=$(O)/planwatchd $(O)/tests/$$t || exit 1; done
	@echo "== crash (kill -9 harness, moderate)"
	ASAN_OPTIONS=detect_leaks=1 PLANWATCHD=$(O)/planwatchd $(O)/tests/crash --messages 10000 --kills 25
	@echo "== hostile (mutated frames against a reference model)"
	ASAN_OPTIONS=detect_leaks=1 PLANWATCHD=$(O)/planwatchd $(O)/tests/hostile --frames 10000
	@echo "== damage (each kind of damage to data.mdb: refused or reported, never a crash)"
	ASAN_OPTIONS=detect_leaks=1 PLANWATCHD=$(O)/planwatchd $(O)/tests/damage --seed 1 --rounds 3 \
	  --xfail=$(DAMAGE_XFAIL)

# Power cuts (unsynced writes dropped or torn) at random journal points of a real run:
# every acknowledged update present, LMDB's page accounting exact. PL_ARGS to change the run.
PL_ARGS ?= --messages 1500 --cuts 40
check-powerloss: $(O)/powerloss/powerloss $(O)/powerloss/libpwshim.so $(O)/planwatchd
	PLANWATCHD=$(O)/planwatchd $(O)/powerloss/powerloss --shim $(O)/powerloss/libpwshim.so $(PL_ARGS)
# Pages the daemon writes per one-release commit and per revising commit, from its write
# calls (a count, not a timing: docs/PERFORMANCE.md "Pages per commit"): at most 30.
check-pages: $(O)/bench $(O)/planwatchd
	$(O)/bench --only pages --daemon $(O)/planwatchd --max-pages 30 --out $(O)/pages.json
# The same against PL_BREAK_FLAG: passes only if the simulator reports a loss.
check-powerloss-break: $(O)/powerloss/powerloss $(O)/powerloss/libpwshim.so $(PLB)/planwatchd
	PLANWATCHD=$(PLB)/planwatchd $(O)/powerloss/powerloss --shim $(O)/powerloss/libpwshim.so \
	  --restarts 0 --expect-loss $(PL_ARGS)

# The long kill -9 run: 1M updates, 200 kills, and 200,000 hostile frames (optimised build).
soak: $(O)/tests/crash $(O)/planwatchd
	PLANWATCHD=$(O)/planwatchd $(O)/tests/crash --messages 100000 --kills 200
	PLANWATCHD=$(O)/planwatchd $(O)/tests/hostile --long

# The CLI, and the README's example session as written (by region, in December 2026).
check-cli: $(O)/planwatchd $(O)/planwatch
	tests/cli.sh $(O)
	tests/readme.sh $(O)

# ---- run the bundled default: state in ./state, no root ----
run: all
	@tests/run-local.sh start $(O)

stop:
	@tests/run-local.sh stop $(O)

# Figures, not pass/fail: see docs/PERFORMANCE.md. bench-full and bench-peer install and
# start InfluxDB 1.x on loopback for the peer comparison (and stop it afterwards).
# `make bench` runs the InfluxDB peer too: the fair section compares both in one run.
bench: $(O)/bench $(O)/planwatchd
	bench/with-influxdb.sh $(O)/bench --daemon $(O)/planwatchd
# LD_PRELOAD for A/B runs on an emulated slow-flush disk (bench/slowsync.c, PW_SLOWSYNC_US).
$(O)/slowsync.so: bench/slowsync.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -O2 -fPIC -shared -o $@ $< -ldl
bench-full: $(O)/bench $(O)/planwatchd
	bench/with-influxdb.sh $(O)/bench --daemon $(O)/planwatchd --full
bench-peer: $(O)/bench $(O)/planwatchd
	bench/with-influxdb.sh $(O)/bench --daemon $(O)/planwatchd --only peer

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/lib \
	  $(DESTDIR)$(PREFIX)/include/planwatch $(DESTDIR)$(PREFIX)/share/planwatch/catalog/regions \
	  $(DESTDIR)$(PREFIX)/share/planwatch/catalog/plans \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
	  $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)/etc/planwatch $(DESTDIR)/lib/systemd/system
	install -m 755 $(O)/planwatchd $(DESTDIR)$(PREFIX)/sbin/planwatchd
	install -m 755 $(O)/planwatch $(DESTDIR)$(PREFIX)/bin/planwatch
	install -m 644 $(O)/libplanwatch.a $(DESTDIR)$(PREFIX)/lib/
	install -m 644 client/planwatch.h proto/err.h $(DESTDIR)$(PREFIX)/include/planwatch/
	install -m 644 catalog/regions/*.yaml $(DESTDIR)$(PREFIX)/share/planwatch/catalog/regions/
	install -m 644 catalog/plans/*.yaml $(DESTDIR)$(PREFIX)/share/planwatch/catalog/plans/
	install -m 644 man/planwatch.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/planwatchd.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 man/planwatchd.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	[ -e $(DESTDIR)/etc/planwatch/planwatchd.conf ] || \
	  install -m 644 systemd/planwatchd.conf $(DESTDIR)/etc/planwatch/planwatchd.conf
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g' systemd/planwatchd.service > $(DESTDIR)/lib/systemd/system/planwatchd.service
	install -m 644 systemd/planwatchd.socket $(DESTDIR)/lib/systemd/system/
	install -d $(DESTDIR)/usr/lib/sysusers.d
	install -m 644 systemd/planwatch.sysusers $(DESTDIR)/usr/lib/sysusers.d/planwatch.conf
	[ -n "$(DESTDIR)" ] || systemd-sysusers /usr/lib/sysusers.d/planwatch.conf

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
