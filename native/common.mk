# Shared rules for native/<lib>/Makefile. A lib sets NAME, SRCS, optional LDLIBS and
# TEST_SRCS (C unit tests, one executable each), then includes this file.
#   make            -> $(OUT)/lib$(NAME).so                (-O2, the one koffi loads)
#   make asan       -> $(OUT)/asan/lib$(NAME).so + tests   (ASan+UBSan, -O1)
#   make test       -> builds and runs every C unit test under ASan+UBSan
ROOT   := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
OUT    ?= $(ROOT)/dist/native
CC     ?= gcc
BASE_CFLAGS := -std=c11 -g -fPIC -Wall -Wextra -Werror -D_GNU_SOURCE -I$(ROOT)/native/include -Isrc $(EXTRA_CFLAGS)
CFLAGS_OPT  := -O2 $(BASE_CFLAGS)
SANITIZE    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
CFLAGS_ASAN := -O1 $(BASE_CFLAGS) $(SANITIZE)
HDRS        := $(wildcard src/*.h) $(wildcard $(ROOT)/native/include/fastpath/*.h)

LIB      := $(OUT)/lib$(NAME).so
ASAN_LIB := $(OUT)/asan/lib$(NAME).so
TEST_BINS := $(patsubst test/%.c,$(OUT)/asan/test/$(NAME)-%,$(TEST_SRCS))

.PHONY: all asan test clean
all: $(LIB)
asan: $(ASAN_LIB) $(TEST_BINS)

$(LIB): $(SRCS) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_OPT) -shared -o $@ $(SRCS) $(LDLIBS)

$(ASAN_LIB): $(SRCS) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ASAN) -shared -o $@ $(SRCS) $(LDLIBS)

$(OUT)/asan/test/$(NAME)-%: test/%.c $(SRCS) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ASAN) -o $@ $< $(SRCS) $(LDLIBS) $(TEST_LDLIBS)

test: $(TEST_BINS)
	@set -e; for t in $(TEST_BINS); do echo "== $$t"; $$t; done

clean:
	rm -f $(LIB) $(ASAN_LIB) $(TEST_BINS)
