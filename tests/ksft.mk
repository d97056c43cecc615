# kselftest harness headers, taken at build time from Debian's linux-source-6.1
# (not kept in the repository).  Include after setting BUILD, then depend on
# $(KSFT_HDRS) and compile with $(KSFT_CPPFLAGS).
KSFT_SRC      ?= /usr/src/linux-source-6.1.tar.xz
KSFT_DIR      ?= $(BUILD)/ksft
KSFT_HDRS     := $(KSFT_DIR)/kselftest_harness.h $(KSFT_DIR)/kselftest.h
KSFT_CPPFLAGS := -I$(KSFT_DIR)

$(KSFT_HDRS) &: $(KSFT_SRC)
	@test -r $< || { echo "$<: missing (apt-get install linux-source-6.1)" >&2; exit 1; }
	mkdir -p $(KSFT_DIR)
	tar -xJf $< -C $(KSFT_DIR) --strip-components=4 --occurrence=1 \
		$(patsubst $(KSFT_DIR)/%,linux-source-6.1/tools/testing/selftests/%,$(KSFT_HDRS))
	touch $(KSFT_HDRS)
