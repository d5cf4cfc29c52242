# Runs one example and checks it: exit status 0, nothing on stderr, and
# stdout equal, byte for byte, to the expected-output file.
#   cmake -DPROGRAM=<exe> -DEXPECTED=<file> [-DACTUAL=<file>] -P check_output.cmake
# On failure the actual stdout is saved to ACTUAL, if given, for diffing.
cmake_minimum_required(VERSION 3.25)

if(NOT PROGRAM OR NOT EXPECTED)
  message(FATAL_ERROR "usage: cmake -DPROGRAM=<exe> -DEXPECTED=<file> -P check_output.cmake")
endif()
file(READ "${EXPECTED}" want)
execute_process(COMMAND "${PROGRAM}"
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)

set(problems "")
if(NOT rc STREQUAL "0")
  string(APPEND problems "exit status: ${rc}\n")
endif()
if(NOT err STREQUAL "")
  string(APPEND problems "unexpected stderr:\n${err}")
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
  message(NOTICE "${PROGRAM}:\n${problems}")
  message(FATAL_ERROR "output check failed")
elseif(ACTUAL)
  file(REMOVE "${ACTUAL}")
endif()
