# ctest: install this build into a private prefix, then configure, build and run tests/consumer against
# the installed framemem package (find_package(framemem)), including the README's embed example.
set(_fm_consumer_flags "")
if(FM_SANITIZE)
  list(JOIN FM_SANITIZE "," _fm_san)
  set(_fm_consumer_flags "-fsanitize=${_fm_san} -fno-omit-frame-pointer")
endif()
add_test(NAME consumer_find_package
  COMMAND ${CMAKE_COMMAND}
    -DFM_BUILD_DIR=${PROJECT_BINARY_DIR}
    -DFM_WORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/consumer
    -DFM_SOURCE_DIR=${CMAKE_CURRENT_SOURCE_DIR}/consumer
    -DFM_README=${PROJECT_SOURCE_DIR}/README.md
    -DFM_BUILD_TYPE=${CMAKE_BUILD_TYPE}
    -DFM_CXX_FLAGS=${_fm_consumer_flags}
    -P ${CMAKE_CURRENT_SOURCE_DIR}/consumer/run_consumer.cmake)
set_tests_properties(consumer_find_package PROPERTIES LABELS "unit;package" TIMEOUT 600)
