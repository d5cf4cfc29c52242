# SPDX-License-Identifier: MIT
#
# Runs a program that must fail: exit status not 0, stderr matching
# STDERR_REGEX, and stdout (what it printed before failing) equal to the
# expected file.
#   cmake -DPROGRAM=<exe> [-DARGS="<arg> ..."] -DEXPECTED=<file>
#         -DSTDERR_REGEX=<regex> -P check_error.cmake
cmake_minimum_required(VERSION 3.25)

file(READ "${EXPECTED}" want)
separate_arguments(args UNIX_COMMAND "${ARGS}")
execute_process(COMMAND "${PROGRAM}" ${args}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
set(problems "")
if(rc STREQUAL "0")
  string(APPEND problems "exit status 0, expected a failure\n")
endif()
if(NOT err MATCHES "${STDERR_REGEX}")
  string(APPEND problems "stderr does not match ${STDERR_REGEX}:\n${err}")
endif()
if(NOT out STREQUAL want)
  string(APPEND problems "stdout differs from ${EXPECTED}\n"
                         "--- expected ---\n${want}--- actual ---\n${out}--- end ---\n")
endif()
if(problems)
  message(NOTICE "${PROGRAM} ${ARGS}:\n${problems}")
  message(FATAL_ERROR "error check failed")
endif()
