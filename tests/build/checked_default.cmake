# ctest script: configures framemem into scratch folders with several build types and FM_CHECKED settings
# and reads the generated fm/config.hpp: checked mode is on for Debug and RelWithDebInfo, off for Release and
# MinSizeRel, and FM_CHECKED=ON/OFF overrides the build type.
function(expect_checked build_type checked_option expected)
  set(dir ${FM_WORK_DIR}/${build_type}-${checked_option})
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${FM_SOURCE_DIR} -B ${dir} -DCMAKE_BUILD_TYPE=${build_type}
                          -DCMAKE_CXX_COMPILER=${FM_CXX} -DCMAKE_C_COMPILER=${FM_CC} -DFM_CHECKED=${checked_option}
                          -DFM_BUILD_TESTS=OFF -DFM_BUILD_BENCH=OFF -DFM_BUILD_DEMO=OFF -DFM_BUILD_OVERLAY=OFF
                  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "configure of ${dir} failed:\n${out}")
  endif()
  file(READ ${dir}/config/${build_type}/fm/config.hpp config)
  if(NOT config MATCHES "#define FM_CONFIG_CHECKED ${expected}\n")
    message(FATAL_ERROR "${build_type} with FM_CHECKED='${checked_option}': fm/config.hpp does not say FM_CONFIG_CHECKED ${expected}")
  endif()
  message(STATUS "ok: ${build_type}, FM_CHECKED='${checked_option}' -> FM_CHECKED ${expected}")
endfunction()

file(REMOVE_RECURSE ${FM_WORK_DIR})
expect_checked(Debug "" 1)
expect_checked(RelWithDebInfo "" 1)
expect_checked(Release "" 0)
expect_checked(MinSizeRel "" 0)
expect_checked(Release ON 1)
expect_checked(Debug OFF 0)
