# Build-configuration tests: what a user's default configure produces, checked from a fresh configure.
# A cross build has no native configure to check (the nested configure would need the toolchain too).
if(CMAKE_CROSSCOMPILING)
  return()
endif()
add_test(NAME build_default_options_do_not_turn_warnings_into_errors
  COMMAND ${CMAKE_COMMAND} -DFM_SOURCE_DIR=${PROJECT_SOURCE_DIR} -DFM_WORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/werror
          -DFM_CXX=${CMAKE_CXX_COMPILER} -DFM_CC=${CMAKE_C_COMPILER}
          -P ${CMAKE_CURRENT_LIST_DIR}/werror_option.cmake)
set_tests_properties(build_default_options_do_not_turn_warnings_into_errors PROPERTIES LABELS "unit" TIMEOUT 300)

foreach(option IN ITEMS checked valgrind)
  string(TOUPPER ${option} upper)
  set(name build_${option}_option_follows_build_type_unless_set)
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND} -DFM_SOURCE_DIR=${PROJECT_SOURCE_DIR} -DFM_WORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/${option}
            -DFM_CXX=${CMAKE_CXX_COMPILER} -DFM_CC=${CMAKE_C_COMPILER} -DOPTION=${upper}
            -DHAVE_VALGRIND=${FM_HAVE_VALGRIND_HEADER} -P ${CMAKE_CURRENT_LIST_DIR}/option_default.cmake)
  set_tests_properties(${name} PROPERTIES LABELS "unit" TIMEOUT 300)
endforeach()
