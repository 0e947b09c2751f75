# ctest: the installed package as games use it. `package_install` installs this build into a private prefix
# (a fixture); consumers then build against it with CMake (per component set), with a plain Makefile and
# pkg-config, with mismatched headers (must not link), and from the .deb that `cpack -G DEB` makes.
set(_fm_consumer_flags "")
if(FM_SANITIZE)
  list(JOIN FM_SANITIZE "," _fm_san)
  set(_fm_consumer_flags "-fsanitize=${_fm_san} -fno-omit-frame-pointer")
endif()
set(_fm_package_work ${CMAKE_CURRENT_BINARY_DIR}/package)

# fm_package_test(<name> <mode> [-D options for run_consumer.cmake...]); FM_COMPONENTS is comma-separated.
function(fm_package_test name mode)
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND}
      -DFM_MODE=${mode} -DFM_NAME=${name}
      -DFM_BUILD_DIR=${PROJECT_BINARY_DIR}
      -DFM_WORK_DIR=${_fm_package_work}
      -DFM_SOURCE_DIR=${CMAKE_CURRENT_SOURCE_DIR}/consumer
      -DFM_README=${PROJECT_SOURCE_DIR}/README.md
      -DFM_BUILD_TYPE=${CMAKE_BUILD_TYPE}
      -DFM_CXX=${CMAKE_CXX_COMPILER}
      -DFM_CXX_FLAGS=${_fm_consumer_flags}
      ${ARGN}
      -P ${CMAKE_CURRENT_SOURCE_DIR}/consumer/run_consumer.cmake)
  set_tests_properties(${name} PROPERTIES LABELS "unit;package" TIMEOUT 600)
  if(NOT mode STREQUAL "install")
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED fm_package)
  endif()
endfunction()

fm_package_test(package_install install)
set_tests_properties(package_install PROPERTIES FIXTURES_SETUP fm_package)
fm_package_test(package_headers_include_config headers)
fm_package_test(consumer_core_without_imgui cmake -DFM_COMPONENTS=core -DFM_NO_IMGUI=ON)
set(_fm_deb_components core)
if(TARGET framemem_overlay)
  fm_package_test(consumer_core_overlay cmake -DFM_COMPONENTS=core,overlay)
  list(APPEND _fm_deb_components overlay)
endif()
if(TARGET framemem_malloc)
  fm_package_test(consumer_malloc cmake -DFM_COMPONENTS=malloc)
  list(APPEND _fm_deb_components malloc)
endif()
fm_package_test(consumer_pkg_config_makefile makefile)
fm_package_test(consumer_config_mismatch_fails_to_link mismatch)
list(JOIN _fm_deb_components "," _fm_deb_components)
fm_package_test(package_deb deb -DFM_COMPONENTS=${_fm_deb_components})
