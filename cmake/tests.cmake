# SPDX-License-Identifier: MIT
# tests.cmake -- what the tests need from the machine, checked once at configure time.
#
# Every need (a program, the shared dataset, root, the firmware toolchain...) is declared here
# or next to the tests that use it with imulab_need(). A test that needs something is registered
# with imulab_add_test(NAME ... NEEDS key... COMMAND ...):
#   - the need is met: the test is registered as given;
#   - it is not: a stand-in that prints "SKIP: <reason>" and exits 77 is registered under the same
#     name, so ctest reports the test as skipped (SKIP_RETURN_CODE 77), never as passed or absent;
#   - with -DIMULAB_REQUIRE_ALL_TESTS=ON (CI, scripts/test.sh) the configure step fails instead,
#     naming what is missing.
# Test scripts that find something missing at run time exit 77 as well (every test here has
# SKIP_RETURN_CODE 77). Programs are looked up on every configure (NO_CACHE), so hiding one from
# PATH is noticed by the next configure of an existing build directory.
option(IMULAB_REQUIRE_ALL_TESTS "Fail the configure step when anything a test needs is missing" OFF)

# Record need KEY as met (ok true) or not, with the reason shown when a test is skipped for it.
function(imulab_need key ok reason)
  if(ok)
    set_property(GLOBAL PROPERTY IMULAB_NEED_${key} ON)
    return()
  endif()
  if(IMULAB_REQUIRE_ALL_TESTS)
    message(FATAL_ERROR "IMULAB_REQUIRE_ALL_TESTS is ON and a test needs ${key}: ${reason}")
  endif()
  set_property(GLOBAL PROPERTY IMULAB_NEED_${key} OFF)
  set_property(GLOBAL PROPERTY IMULAB_NEED_${key}_REASON "${reason}")
  message(STATUS "tests needing ${key} will be reported as skipped: ${reason}")
endfunction()

# A program on PATH (the tests run them by name, so only PATH counts), from a Debian package.
function(imulab_need_program prog package)
  find_program(_imulab_prog_${prog} NAMES ${prog} NO_CACHE NO_PACKAGE_ROOT_PATH NO_CMAKE_PATH
               NO_CMAKE_ENVIRONMENT_PATH NO_CMAKE_SYSTEM_PATH)
  imulab_need(${prog} "${_imulab_prog_${prog}}" "${prog} not found on PATH (Debian package ${package})")
endfunction()

# imulab_add_test(NAME name [NEEDS key...] COMMAND command [args...])
function(imulab_add_test)
  cmake_parse_arguments(PARSE_ARGV 0 T "" "NAME" "NEEDS;COMMAND")
  foreach(key ${T_NEEDS})
    get_property(known GLOBAL PROPERTY IMULAB_NEED_${key} SET)
    if(NOT known)
      message(FATAL_ERROR "test ${T_NAME} needs '${key}', which no imulab_need() declared")
    endif()
    get_property(ok GLOBAL PROPERTY IMULAB_NEED_${key})
    if(NOT ok)
      get_property(why GLOBAL PROPERTY IMULAB_NEED_${key}_REASON)
      add_test(NAME ${T_NAME} COMMAND sh -c "echo 'SKIP: ${why}'; exit 77")
      set_tests_properties(${T_NAME} PROPERTIES SKIP_RETURN_CODE 77)
      return()
    endif()
  endforeach()
  add_test(NAME ${T_NAME} COMMAND ${T_COMMAND})
  set_tests_properties(${T_NAME} PROPERTIES SKIP_RETURN_CODE 77)
endfunction()

imulab_need_program(sqlite3 sqlite3)
imulab_need_program(socat socat)
imulab_need_program(tmux tmux)
imulab_need_program(xmllint libxml2-utils)
imulab_need_program(openssl openssl)
imulab_need_program(qemu-system-arm qemu-system-arm)
imulab_need_program(arm-none-eabi-gcc gcc-arm-none-eabi)
imulab_need_program(systemd-analyze systemd)

# The firmware images (tests run them on QEMU and check their size).
if(NOT IMULAB_FIRMWARE)
  imulab_need(firmware OFF "the firmware images are not built (-DIMULAB_FIRMWARE=OFF)")
else()
  get_property(_arm GLOBAL PROPERTY IMULAB_NEED_arm-none-eabi-gcc)
  imulab_need(firmware "${_arm}" "arm-none-eabi-gcc not found, so no firmware images (Debian package gcc-arm-none-eabi)")
endif()

# The TUI is built only with ncursesw.
imulab_need(ncursesw "${NCURSESW_FOUND}" "ncursesw not found, so no imulab-tui (Debian package libncurses-dev)")

# The shared Edge Impulse dataset next to the source tree (../shared/data/ei-xiao-gestures).
set(IMULAB_DATASET ${CMAKE_SOURCE_DIR}/../shared/data/ei-xiao-gestures CACHE PATH "The shared Edge Impulse dataset")
if(EXISTS ${IMULAB_DATASET}/info.labels)
  imulab_need(dataset ON "")
else()
  imulab_need(dataset OFF "the shared dataset is not at ${IMULAB_DATASET} (set IMULAB_DATASET)")
endif()

# daemon_disk_full mounts a small tmpfs, which takes root.
execute_process(COMMAND id -u OUTPUT_VARIABLE _uid OUTPUT_STRIP_TRAILING_WHITESPACE)
if(_uid STREQUAL "0")
  imulab_need(root ON "")
else()
  imulab_need(root OFF "not root: a full disk is simulated with a small tmpfs, and mounting one takes root")
endif()

# imulab sync's test starts its own PostgreSQL server (initdb and pg_ctl of Debian's postgresql).
file(GLOB _pg_initdb /usr/lib/postgresql/*/bin/initdb)
find_program(_imulab_prog_psql NAMES psql NO_CACHE)
if(_pg_initdb AND _imulab_prog_psql)
  imulab_need(postgres ON "")
else()
  imulab_need(postgres OFF "no PostgreSQL server (initdb) or psql (Debian packages postgresql, postgresql-client)")
endif()
