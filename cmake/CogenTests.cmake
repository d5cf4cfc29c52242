# SPDX-License-Identifier: MIT
#
# cogen_add_case_tests(SOURCE <file> PREFIX <prefix> TARGET <executable>
#                      [SUFFIX <suffix>] [ENGINES default ucontext]
#                      [SOURCES <file>...] [LIBRARIES <lib>...]
#                      [OPTIONS <flag>...] [DEFINITIONS <def>...]
#                      [INCLUDES <dir>...] [LABELS <label>...])
#
# Turns every `TEST(name)` of a test source into one CTest test per engine:
#   <prefix>.<name><suffix>            linked with cogen_test (the configured
#                                      context switch)
#   <prefix>.<name><suffix>.ucontext   linked with cogen_ucontext (the
#                                      portable fallback)
# Both libraries are built with the test hooks (failure injection, switch
# counting; src/shared.h). Each engine gets one executable, <target> and
# <target>_ucontext, built from SOURCE, SOURCES, tests/walk.c (failure walks)
# and tests/harness.c, which
# runs the case named on its command line. A source without any TEST case
# is an error: a file renamed or emptied must fail the build, not vanish
# from the suite.
function(cogen_add_case_tests)
  cmake_parse_arguments(A "" "SOURCE;PREFIX;TARGET;SUFFIX"
                        "ENGINES;SOURCES;LIBRARIES;OPTIONS;DEFINITIONS;INCLUDES;LABELS" ${ARGN})
  if(NOT A_SOURCE OR NOT A_PREFIX OR NOT A_TARGET)
    message(FATAL_ERROR "cogen_add_case_tests: SOURCE, PREFIX and TARGET are required")
  endif()
  if(NOT A_ENGINES)
    set(A_ENGINES default ucontext)
  endif()
  get_filename_component(src ${A_SOURCE} ABSOLUTE)
  file(STRINGS ${src} lines REGEX "^TEST\\([a-z0-9_]+\\)")
  # Re-run CMake when cases are added to or removed from the source.
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${src})
  if(NOT lines)
    message(FATAL_ERROR "cogen_add_case_tests: no TEST(name) case in ${src}")
  endif()
  foreach(engine IN LISTS A_ENGINES)
    if(engine STREQUAL "default")
      set(exe ${A_TARGET})
      set(lib cogen_test)
      set(suffix "")
      set(kind ${COGEN_SWITCH_RESOLVED})
    elseif(engine STREQUAL "ucontext")
      set(exe ${A_TARGET}_ucontext)
      set(lib cogen_ucontext)
      set(suffix ".ucontext")
      set(kind ucontext)
    else()
      message(FATAL_ERROR "cogen_add_case_tests: unknown engine '${engine}'")
    endif()
    add_executable(${exe} ${src} ${A_SOURCES} ${PROJECT_SOURCE_DIR}/tests/harness.c
                          ${PROJECT_SOURCE_DIR}/tests/walk.c)
    target_link_libraries(${exe} PRIVATE ${lib} ${A_LIBRARIES})
    target_include_directories(${exe} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests
                                              ${CMAKE_CURRENT_SOURCE_DIR} ${A_INCLUDES})
    # After the build type's flags on the command line, so that an -O in
    # OPTIONS wins.
    target_compile_options(${exe} PRIVATE $<$<COMPILE_LANGUAGE:C>:${COGEN_WARNINGS} ${A_OPTIONS}>)
    target_compile_definitions(${exe} PRIVATE _GNU_SOURCE ${A_DEFINITIONS})
    if(kind STREQUAL "ucontext")
      # Tests that look at the context type see the one the library uses.
      target_compile_definitions(${exe} PRIVATE COGEN_SWITCH_UCONTEXT)
    endif()
    foreach(line IN LISTS lines)
      string(REGEX REPLACE "^TEST\\(([a-z0-9_]+)\\).*" "\\1" name "${line}")
      set(test ${A_PREFIX}.${name}${A_SUFFIX}${suffix})
      add_test(NAME ${test} COMMAND ${exe} ${name})
      if(A_LABELS)
        set_tests_properties(${test} PROPERTIES LABELS "${A_LABELS}")
      endif()
    endforeach()
  endforeach()
endfunction()

# The one output check: cmake -DPROGRAM=<exe> [-DARGS="a b"] -DEXPECTED=<file>
# [-DACTUAL=<file>] [-DSTDERR=any | -DSTDERR_REGEX=<regex>] -P cmake/check_output.cmake
set(COGEN_CHECK_OUTPUT ${CMAKE_CURRENT_LIST_DIR}/check_output.cmake)
