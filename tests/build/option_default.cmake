# ctest script: configures framemem into scratch folders with several build types and settings of one option
# (OPTION: CHECKED or VALGRIND) and reads the generated fm/config.hpp: checked mode and Valgrind client
# requests are on for Debug and RelWithDebInfo, off for Release and MinSizeRel, and ON/OFF overrides the
# build type. Valgrind requests are on by default only where valgrind/memcheck.h is found (HAVE_VALGRIND).
function(expect_option build_type value expected)
  set(dir ${FM_WORK_DIR}/${build_type}-${value})
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${FM_SOURCE_DIR} -B ${dir} -DCMAKE_BUILD_TYPE=${build_type}
                          -DCMAKE_CXX_COMPILER=${FM_CXX} -DCMAKE_C_COMPILER=${FM_CC} -DFM_${OPTION}=${value}
                          -DFM_BUILD_TESTS=OFF -DFM_BUILD_BENCH=OFF -DFM_BUILD_DEMO=OFF -DFM_BUILD_OVERLAY=OFF
                  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "configure of ${dir} failed:\n${out}")
  endif()
  file(READ ${dir}/config/${build_type}/fm/config.hpp config)
  if(NOT config MATCHES "#define FM_CONFIG_${OPTION} ${expected}\n")
    message(FATAL_ERROR "${build_type} with FM_${OPTION}='${value}': fm/config.hpp does not say FM_CONFIG_${OPTION} ${expected}")
  endif()
  message(STATUS "ok: ${build_type}, FM_${OPTION}='${value}' -> FM_CONFIG_${OPTION} ${expected}")
endfunction()

if(OPTION STREQUAL "VALGRIND" AND NOT HAVE_VALGRIND)
  set(debugged 0)  # nothing to include: the default is off everywhere
else()
  set(debugged 1)
endif()
file(REMOVE_RECURSE ${FM_WORK_DIR})
expect_option(Debug "" ${debugged})
expect_option(RelWithDebInfo "" ${debugged})
expect_option(Release "" 0)
expect_option(MinSizeRel "" 0)
expect_option(Debug OFF 0)
if(OPTION STREQUAL "CHECKED" OR HAVE_VALGRIND)
  expect_option(Release ON 1)
endif()
