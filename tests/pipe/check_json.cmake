# Runs PROG --json ARGS INPUT and compares its standard output with EXPECTED.
execute_process(COMMAND ${PROG} --json ${ARGS} ${INPUT}
  OUTPUT_FILE ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROG} exited with ${rc}")
endif()
file(READ ${OUT} got)
file(READ ${EXPECTED} want)
if(NOT got STREQUAL want)
  message(FATAL_ERROR "output differs from ${EXPECTED}:\n--- got\n${got}--- want\n${want}")
endif()
