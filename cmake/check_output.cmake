# SPDX-License-Identifier: MIT
#
# Runs one program and checks it: exit status 0, nothing on stderr (unless
# STDERR is "any"), and stdout equal, byte for byte, to the expected file.
#   cmake -DPROGRAM=<exe> [-DARGS="<arg> ..."] -DEXPECTED=<file>
#         [-DACTUAL=<file>] [-DSTDERR=any | -DSTDERR_REGEX=<regex>]
#         -P check_output.cmake
# ARGS is split as a Unix shell would. On failure the actual stdout is
# saved to ACTUAL, if given, for diffing.
# With -DSTDERR_REGEX=<regex> the program must fail instead: exit status
# not 0, stderr matching the regex, and stdout (what it printed before
# failing) still equal to the expected file.
# With COGEN_TEST_VALGRIND=1 in the environment (tools/ci/valgrind.sh) the
# program, and any program it starts, runs under valgrind memcheck, and any
# error or leak it reports fails the check.
cmake_minimum_required(VERSION 3.25)

if(NOT PROGRAM OR NOT EXPECTED)
  message(FATAL_ERROR "usage: cmake -DPROGRAM=<exe> [-DARGS=...] -DEXPECTED=<file> -P check_output.cmake")
endif()
file(READ "${EXPECTED}" want)
separate_arguments(args UNIX_COMMAND "${ARGS}")
set(wrapper "")
if("$ENV{COGEN_TEST_VALGRIND}" STREQUAL "1")
  string(RANDOM LENGTH 12 tag)
  set(vglogs "${CMAKE_CURRENT_BINARY_DIR}/valgrind-${tag}")
  file(MAKE_DIRECTORY "${vglogs}")
  set(wrapper valgrind -q --trace-children=yes --leak-check=full
      --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible
      "--log-file=${vglogs}/%p.log")
endif()
execute_process(COMMAND ${wrapper} "${PROGRAM}" ${args}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
set(memcheck "")
if(wrapper)
  file(GLOB logs "${vglogs}/*.log")
  foreach(log IN LISTS logs)
    file(READ "${log}" text)
    string(APPEND memcheck "${text}")
  endforeach()
  file(REMOVE_RECURSE "${vglogs}")
endif()

set(problems "")
if(NOT memcheck STREQUAL "")
  string(APPEND problems "valgrind memcheck:\n${memcheck}")
endif()
if(DEFINED STDERR_REGEX)
  if(rc STREQUAL "0")
    string(APPEND problems "exit status 0, expected a failure\n")
  endif()
  if(NOT err MATCHES "${STDERR_REGEX}")
    string(APPEND problems "stderr does not match ${STDERR_REGEX}:\n${err}")
  endif()
else()
  if(NOT rc STREQUAL "0")
    string(APPEND problems "exit status: ${rc}\n")
  endif()
  if(NOT err STREQUAL "" AND NOT STDERR STREQUAL "any")
    string(APPEND problems "unexpected stderr:\n${err}")
  endif()
endif()
if(NOT out STREQUAL want)
  string(APPEND problems "stdout differs from ${EXPECTED}\n"
                         "--- expected ---\n${want}--- actual ---\n${out}--- end ---\n")
endif()
if(problems)
  if(ACTUAL)
    file(WRITE "${ACTUAL}" "${out}")
    string(APPEND problems "(actual stdout saved in ${ACTUAL})\n")
  endif()
  message(NOTICE "${PROGRAM} ${ARGS}:\n${problems}")
  message(FATAL_ERROR "output check failed")
elseif(ACTUAL)
  file(REMOVE "${ACTUAL}")
endif()
