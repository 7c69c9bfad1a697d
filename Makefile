# swisper_ext: PGXS build.
#
#   make && make install        build and install into the PostgreSQL that pg_config names
#   make demo                   set up everything and show the extension at work (scripts/demo.sh)
#   make test                   set up everything and run every suite (scripts/test.sh)
#   make installcheck           pg_regress, then the isolation tests, against a running server (PGHOST/PGPORT)
#   make test-citus             TAP tests on a Citus coordinator and two worker nodes (scripts/test_citus.sh),
#                               with the installed extension and Citus; skipped without Citus
#   make fuzz                   libFuzzer targets over the server-free parsers, FUZZ_SECONDS each (scripts/fuzz.sh)
#   make valgrind               pg_regress and pgTAP with every server process under valgrind
#                               (scripts/valgrind.sh; SWISPER_VALGRIND_ROOT=DIR: a private PostgreSQL copy)
#   make deb                    the Debian package in dist/, from the committed tree (scripts/deb.sh)
#   make test-deb               install that package on a fresh Debian 12 root, run the demo (scripts/test_deb.sh)
#
# Every capability keeps its own files, and this Makefile picks them up by
# pattern: C in src/*.c, install-script pieces in install/*.sql (concatenated
# in name order), pg_regress tests in sql/*.sql, isolation tests in
# test/isolation/specs/*.spec, pgTAP in test/pgtap/*.sql, TAP in test/t/*.pl.

EXTENSION    = swisper_ext
EXTVERSION   = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big   = $(EXTENSION)
OBJS         = $(EXTENSION).o $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
PGFILEDESC   = "swisper_ext - external identities, event ingestion and project heartbeats"

DATA_built   = $(EXTENSION)--$(EXTVERSION).sql
DATA         = $(filter-out $(DATA_built),$(wildcard $(EXTENSION)--*--*.sql))

REGRESS      = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=. --outputdir=.
# pg_isolation_regress: test/isolation/specs/NAME.spec against
# test/isolation/expected/NAME.out, in database isolation_regression, results
# in output_iso/.  Run one: make installcheck REGRESS= ISOLATION=NAME.
ISOLATION    = $(patsubst test/isolation/specs/%.spec,%,$(sort $(wildcard test/isolation/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test/isolation

# SWISPER_EXT_VERSION: the version whose SQL objects the library serves
# (src/catalog_version.c).
PG_CPPFLAGS  = -I$(srcdir) -I$(srcdir)/src -DSWISPER_EXT_VERSION='"$(EXTVERSION)"'
# -Wno-unused-parameter: PostgreSQL 15's own headers (bufpage.h) trip -Wextra's check.
PG_CFLAGS    = -Wall -Wextra -Werror -Wno-unused-parameter

EXTRA_CLEAN  = results regression.diffs regression.out tmp_check log

PG_CONFIG   ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)
PGXS        := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)

ifneq ($(PGXS),)
include $(PGXS)
else
# No PostgreSQL development files yet: `make demo` and `make test` install
# them; everything else needs them.
all install installcheck:
	@echo "PostgreSQL 15's development files are missing. Run 'make demo' or 'make test' as root, or:"
	@echo "  apt-get install postgresql-15 postgresql-server-dev-15"
	@exit 1
endif

$(EXTENSION)--$(EXTVERSION).sql: $(sort $(wildcard install/*.sql)) $(EXTENSION).control
	cat $(sort $(wildcard install/*.sql)) > $@

$(OBJS): $(wildcard src/*.h) $(EXTENSION).h
src/catalog_version.o: $(EXTENSION).control

.PHONY: demo test test-citus bench fuzz valgrind
demo:
	bash scripts/demo.sh
test:
	bash scripts/test.sh
test-citus:
	PG_CONFIG=$(PG_CONFIG) bash scripts/test_citus.sh
bench:
	bash bench/run_all.sh
fuzz:
	bash scripts/fuzz.sh
valgrind:
	bash scripts/valgrind.sh
.PHONY: deb test-deb
deb:
	bash scripts/deb.sh
test-deb:
	bash scripts/test_deb.sh
