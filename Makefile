# threadlab — the only build entry point. `make help` lists the targets.
#
# Layout: common/*.c -> build/<variant>/libthreadlab.a (the helper library)
#         demos/<name>.c -> build/<variant>/<name>     (one program per scenario)
#         tests/test_<area>.c -> build/<variant>/tests/test_<area> (one Check runner each)
# Adding a demo is adding demos/<name>.c (plus docs/<name>.md and a test): it is picked
# up automatically; list it in COURSE below to give it its place in the tour.

VARIANT ?= debug
BUILD   ?= build/$(VARIANT)

# Course order for `make run` (the tour) and `make list`. Demos not listed come last.
COURSE := create join daemon race mutex rlock deadlock semaphore candy event condition \
          queue pool download timer local barrier gil fork procpool

TOUR_SPEED ?= 20

CC ?= cc
flags_debug   := -O0 -g3
flags_release := -O2 -g
flags_tsan    := -O1 -g -fsanitize=thread
flags_asan    := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
ifeq ($(origin flags_$(VARIANT)),undefined)
$(error unknown VARIANT '$(VARIANT)': use debug, release, tsan or asan)
endif

# -iquote, not -I: common/semaphore.h must not shadow the system's <semaphore.h>.
CPPFLAGS += -D_GNU_SOURCE -iquote common -MMD -MP
CFLAGS   += -std=c11 $(flags_$(VARIANT)) -Wall -Wextra -Werror -pthread
LDFLAGS  += -pthread $(filter -fsanitize=%,$(flags_$(VARIANT)))
LDLIBS   += -lm

# Check's flags, looked up only when a test is built (Check may not be installed yet).
CHECK_CFLAGS = $(shell pkg-config --cflags check)
CHECK_LIBS   = $(shell pkg-config --libs check)
HAVE_CHECK  := $(shell pkg-config --exists check 2>/dev/null && echo yes)

LIB_SRC  := $(wildcard common/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libthreadlab.a

DEMOS    := $(sort $(patsubst demos/%.c,%,$(wildcard demos/*.c)))
ORDERED  := $(filter $(DEMOS),$(COURSE)) $(filter-out $(COURSE),$(DEMOS))
DEMO_BIN := $(ORDERED:%=$(BUILD)/%)

SUPPORT_SRC := $(wildcard tests/support*.c)
SUPPORT_OBJ := $(SUPPORT_SRC:%.c=$(BUILD)/%.o)
TEST_SRC    := $(wildcard tests/test_*.c)
TEST_BIN    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

# Benchmarks: tests/bench/bench_<name>.c, built and run in the release variant only.
BENCH_SRC   := $(wildcard tests/bench/bench_*.c)
BENCH_BIN   := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)

.DEFAULT_GOAL := all
.SECONDARY: $(TEST_BIN:=.o) $(SUPPORT_OBJ)
.PHONY: all lib demos tests test run list help clean release check-deps bench bench-programs stress compile_commands.json FORCE
.PHONY: format format-check
.PHONY: tsan asan helgrind timelines grade answers
# Goals `make run` may share a command line with; any other word after run is taken for a
# demo name typed without DEMO= (keep this list in step with the targets).
RUN_TARGETS := all lib demos tests test list help clean release check-deps bench bench-programs \
               stress tsan asan helgrind compile_commands.json format format-check check-format \
               timelines grade answers

all: lib demos
ifeq ($(HAVE_CHECK),yes)
all: tests
else
all:
	@echo "note: Check is not installed, so the tests were not built ('make test' installs it)"
endif

lib: $(LIB)
demos: $(DEMO_BIN) $(BUILD)/demos.list

# The demos of this build in course order, for the tests that run every demo
# (rewritten only when the list changes).
$(BUILD)/demos.list: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' $(ORDERED) > $@.new
	@cmp -s $@.new $@ && rm $@.new || mv $@.new $@

FORCE:
tests: $(TEST_BIN) $(BUILD)/grade.env answers

# The flags the demos are built with, for the grader (tests/grade/grade.sh).
$(BUILD)/grade.env: FORCE
	@mkdir -p $(@D)
	@printf "CC='%s'\nCFLAGS='%s'\nLDFLAGS='%s'\nLDLIBS='%s'\nCHECK_CFLAGS='%s'\nCHECK_LIBS='%s'\n" "$(CC)" \
	    "$(filter-out -MMD -MP,$(CPPFLAGS)) $(CFLAGS)" "$(LDFLAGS)" "$(LDLIBS)" \
	    "$(if $(HAVE_CHECK),$(CHECK_CFLAGS))" "$(if $(HAVE_CHECK),$(CHECK_LIBS))" > $@.new
	@cmp -s $@.new $@ && rm $@.new || mv $@.new $@

# The reference answers to the exercises that ask for code (docs/answers/), built like demos.
ANSWER_SRC := $(wildcard answers/*.c)
ANSWER_BIN := $(ANSWER_SRC:answers/%.c=$(BUILD)/answers/%)
answers: $(ANSWER_BIN)
$(BUILD)/answers/%: answers/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Idemos $(CFLAGS) $< $(LIB) -o $@ $(LDFLAGS) $(LDLIBS)

release:
	@$(MAKE) --no-print-directory VARIANT=release all

$(BUILD)/common/%.o: common/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	rm -f $@ && $(AR) rcs $@ $^   # rebuilt whole: a renamed file leaves no stale member

$(BUILD)/%: demos/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< $(LIB) -o $@ $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests $(CFLAGS) $(CHECK_CFLAGS) -c $< -o $@

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(SUPPORT_OBJ) $(LIB)
	$(CC) $^ -o $@ $(LDFLAGS) $(CHECK_LIBS) $(LDLIBS)

$(BUILD)/bench/%: tests/bench/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< $(LIB) -o $@ $(LDFLAGS) $(LDLIBS)

bench-programs: $(BENCH_BIN)

# Timing goals live here, never in a unit test: each benchmark prints ratios measured
# in one run (so a slow or busy machine slows both sides alike).
# bench_compare measures threadlab against GLib (and CPython, when python3 is there):
# ROUNDS=N interleaved rounds; THREADS=1,2,4,8,16 adds the scaling sweep and its plot (gnuplot).
ROUNDS ?= 7
THREADS ?=
$(BUILD)/bench/bench_compare: CFLAGS += $(shell pkg-config --cflags glib-2.0 2>/dev/null)
$(BUILD)/bench/bench_compare: LDLIBS += $(shell pkg-config --libs glib-2.0 2>/dev/null)
bench:
	@tests/ensure-deps.sh 'pkg:glib-2.0=libglib2.0-dev' $(if $(THREADS),gnuplot=gnuplot-nox)
	@$(MAKE) --no-print-directory VARIANT=release lib demos bench-programs
	@tests/bench/run.sh build/release "$(ROUNDS)" "$(THREADS)"

# The tests run the demo programs, so `make test` builds both, then runs every suite.
check-deps:
	@tests/ensure-deps.sh gdb

# The library's modules must form layers (no cycle, judged by nm): checked before the suites.
test: check-deps
	@$(MAKE) --no-print-directory lib demos tests
	@tests/tools/check-layers.sh --self-test
	@tests/tools/check-layers.sh $(LIB)
	@tests/run-suites.sh $(TEST_BIN)

# Not part of make test: the invariant checks and concurrency tests again and again, with
# varied seeds and speeds (N rounds). Prints runs, failures and the slowest run.
N ?= 200
stress: check-deps
	@$(MAKE) --no-print-directory lib demos tests
	@tests/tools/stress.sh $(N) $(BUILD)

# The checking tools (docs/sanitizers.md): suites and every run of tests/tools/tool-cases.txt
# under the tool, then a table: what each demo run was expected to show, what was found.
# Correct runs must be clean, broken ones caught (by the tool, or by the demo's own check
# where the bug is not the tool's kind). Each tool has its own build directory.
tsan:
	@tests/ensure-deps.sh
	@$(MAKE) --no-print-directory VARIANT=tsan BUILD=build/tsan lib demos tests
	@tests/tools/sanitize.sh tsan build/tsan

asan:
	@tests/ensure-deps.sh
	@$(MAKE) --no-print-directory VARIANT=asan BUILD=build/asan lib demos tests
	@tests/tools/sanitize.sh asan build/asan

# Valgrind runs an ordinary -O0 build, made after valgrind is installed, so that ilock.c
# finds <valgrind/helgrind.h> and tells Helgrind about its atomics.
VALGRIND_BUILD ?= build/valgrind
helgrind:
	@tests/ensure-deps.sh valgrind
	@$(MAKE) --no-print-directory VARIANT=debug BUILD=$(VALGRIND_BUILD) lib demos
	@tests/tools/sanitize.sh helgrind $(VALGRIND_BUILD)

# make grade DEMO=race SRC=mine.c / MODULE=event SRC=mine.c: a student's attempt checked in a
# temporary directory (docs/README.md, "Grading an exercise"); SHOW="args" runs it once.
grade:
	@test -n "$(SRC)" -a -n "$(DEMO)$(MODULE)" || { echo "usage: make grade DEMO=name SRC=file.c | make grade MODULE=name SRC=file.c" >&2; exit 2; }
	@$(if $(MODULE),tests/ensure-deps.sh &&) $(MAKE) -s --no-print-directory lib demos $(BUILD)/grade.env $(if $(MODULE),tests)
ifdef MODULE
	@GRADE_BUILD=$(BUILD) GRADE_CASE="$(GRADE_CASE)" tests/grade/grade.sh module "$(MODULE)" "$(SRC)"
else ifdef SHOW
	@GRADE_BUILD=$(BUILD) tests/grade/grade.sh show "$(DEMO)" "$(SRC)" $(SHOW)
else
	@GRADE_BUILD=$(BUILD) tests/grade/grade.sh demo "$(DEMO)" "$(SRC)"
endif

# make run DEMO=race ARGS="--threads 5": one demo at class pace.
# make run: the tour, every demo in course order at TOUR_SPEED, each under a heading; on a
# terminal it pauses between demos (TOUR_PAUSE=0 runs straight through).
# `make run race` would run the tour and then fail on a goal "race": say the right form.
RUN_STRAYS := $(if $(filter run,$(MAKECMDGOALS)),$(filter-out run $(RUN_TARGETS),$(MAKECMDGOALS)))
run:
ifneq ($(RUN_STRAYS),)
	@name='$(firstword $(RUN_STRAYS))'; \
	  if [ -f "demos/$$name.c" ]; then echo "make run $$name: one demo runs with DEMO=: make run DEMO=$$name" >&2; \
	  else tests/tour.sh --unknown "$$name" $(ORDERED) >&2; fi; exit 2
else ifdef DEMO
	@test -f demos/$(DEMO).c || { tests/tour.sh --unknown '$(DEMO)' $(ORDERED) >&2; exit 2; }
	@$(MAKE) -s --no-print-directory $(BUILD)/$(DEMO)
	$(BUILD)/$(DEMO) $(ARGS)
else
	@$(MAKE) -s --no-print-directory demos
	@tests/tour.sh $(TOUR_SPEED) $(DEMO_BIN)
endif
$(RUN_STRAYS):
	@:

# The docs' pictures: docs/timelines/<demo>.svg from the runs of tests/tools/timelines.txt.
timelines: demos
	@tests/tools/make-timelines.sh $(BUILD)

# One line per demo, its lesson wrapped to 100 columns under itself.
list: $(DEMO_BIN)
	@for demo in $(ORDERED); do $(BUILD)/$$demo --about | fold -s -w 87 | sed 's/ *$$//' | \
	  sed "1s/^/  $$(printf '%-10s' $$demo) /; 2,\$$s/^/             /"; done

# clang-format (the repository's .clang-format) over every tracked .c and .h file:
# `make format` rewrites them, `make format-check` fails on any difference (for CI).
FORMAT_FILES = $(shell git ls-files '*.c' '*.h')
format:
	@tests/ensure-deps.sh clang-format
	@clang-format -i $(FORMAT_FILES)

format-check:
	@tests/ensure-deps.sh clang-format
	@clang-format --dry-run --Werror $(FORMAT_FILES) && echo "format-check: $(words $(FORMAT_FILES)) files formatted"

# For editors (clangd and friends): how every source file is compiled.
compile_commands.json:
	@tests/tools/compile-commands.sh "$(CC) $(filter-out -MMD -MP,$(CPPFLAGS)) $(CFLAGS)" "$(CHECK_CFLAGS)" > $@
	@echo "wrote $@"

help:
	@echo "threadlab make targets:"
	@echo "  make                 build the library, every demo and the tests into $(BUILD)/"
	@echo "  make run             the tour: every demo in course order, fast (TOUR_SPEED=$(TOUR_SPEED));"
	@echo "                       pauses between demos on a terminal (TOUR_PAUSE=0: no pauses)"
	@echo "  make run DEMO=name   one demo at class pace; ARGS=\"--flag ...\" passes flags"
	@echo "  make list            the demos in course order, one line each"
	@echo "  make timelines       regenerate docs/timelines/<demo>.svg (tests/tools/timelines.txt)"
	@echo "  make test            install Check if missing, build, check the library's layers, run every suite"
	@echo "  make grade DEMO=name SRC=file.c    check your version of a demo against its guarantees"
	@echo "  make grade MODULE=name SRC=file.c  run a module's suite against your common/name.c"
	@echo "  make bench           the benchmarks (release build): threadlab vs GLib, textbook C, CPython;"
	@echo "                       ROUNDS=$(ROUNDS) interleaved rounds; THREADS=1,2,4,8,16 adds the sweep + plot"
	@echo "  make stress          invariants and concurrency tests repeated N=$(N) times, varied seeds"
	@echo "                       (~5.5 min; N=20 for a quick look)"
	@echo "  make tsan            suites and every demo under ThreadSanitizer: correct clean, broken caught"
	@echo "  make asan            every suite and demo under AddressSanitizer, UBSan and LeakSanitizer"
	@echo "  make helgrind        every demo under Valgrind's Helgrind (installs valgrind if missing)"
	@echo "  make release         build with -O2 into build/release/"
	@echo "  make format          clang-format -i over every tracked .c/.h (the repo's .clang-format)"
	@echo "  make format-check    fail if any tracked .c/.h is not formatted (installs clang-format if missing)"
	@echo "  make compile_commands.json   for editors (clangd): how each file is compiled"
	@echo "  make clean           remove build/"
	@echo "  VARIANT=debug|release|tsan|asan selects the build (default debug: -O0 -g3)"

clean:
	rm -rf build

# .d files from -MMD: editing a header rebuilds what includes it.
-include $(LIB_OBJ:.o=.d) $(DEMO_BIN:=.d) $(TEST_BIN:=.d) $(SUPPORT_OBJ:.o=.d) $(BENCH_BIN:=.d)
