find_package(GTest REQUIRED)
include(GoogleTest)

# Tests find ../shared/reference beside the checkout unless NEURODE_REFERENCE_DIR says otherwise.
set(NEURODE_REFERENCE_DIR "${PROJECT_SOURCE_DIR}/../shared/reference" CACHE PATH "Reference data directory")
set(NEURODE_MPI_RUN_FLAGS --oversubscribe)
execute_process(COMMAND id -u OUTPUT_VARIABLE _neurode_uid OUTPUT_STRIP_TRAILING_WHITESPACE)
if(_neurode_uid STREQUAL "0")
  list(APPEND NEURODE_MPI_RUN_FLAGS --allow-run-as-root)
endif()

# neurode_add_test(NAME SOURCES... [NP n] [LABELS ...]): one GoogleTest executable per file group.
# With NP the test runs under mpirun with n ranks; otherwise its cases are registered one by one.
function(neurode_add_test name)
  cmake_parse_arguments(ARG "" "NP;TIMEOUT" "SOURCES;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE neurode::neurode neurode_test_support GTest::gtest)
  neurode_set_warnings(${name})
  if(ARG_NP)
    add_test(NAME ${name}
             COMMAND ${MPIEXEC_EXECUTABLE} ${NEURODE_MPI_RUN_FLAGS} ${MPIEXEC_NUMPROC_FLAG} ${ARG_NP}
                     $<TARGET_FILE:${name}>)
    set(_tests ${name})
  else()
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES ENVIRONMENT
                         "NEURODE_REFERENCE_DIR=${NEURODE_REFERENCE_DIR}")
    set(_tests "")
  endif()
  if(_tests)
    # The ranks run as tools/mpirun.sh runs them: no single-copy shared-memory transfers, which
    # containers without ptrace rights refuse.
    set_tests_properties(${_tests} PROPERTIES ENVIRONMENT
                         "NEURODE_REFERENCE_DIR=${NEURODE_REFERENCE_DIR};OMPI_MCA_btl_vader_single_copy_mechanism=none")
    # A rank that stops early leaves the others waiting in a collective: end such a run after two
    # minutes rather than CTest's default 25.
    if(NOT ARG_TIMEOUT)
      set(ARG_TIMEOUT 120)
    endif()
    set_tests_properties(${_tests} PROPERTIES TIMEOUT ${ARG_TIMEOUT})
    if(ARG_LABELS)
      set_tests_properties(${_tests} PROPERTIES LABELS "${ARG_LABELS}")
    endif()
  endif()
endfunction()
