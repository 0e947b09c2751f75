# ctest script: configures framemem twice into a scratch folder, with default options and with
# FM_WERROR=ON, and checks -Werror is in the compile commands only when asked for. A user's newer or
# different compiler may warn where ours does not; that must not fail their build.
function(configure_and_read dir result)
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${FM_SOURCE_DIR} -B ${dir} -DCMAKE_BUILD_TYPE=Release
                          -DCMAKE_CXX_COMPILER=${FM_CXX} -DCMAKE_C_COMPILER=${FM_CC} ${ARGN}
                  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "configure of ${dir} failed:\n${out}")
  endif()
  file(READ ${dir}/compile_commands.json commands)
  set(${result} "${commands}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${FM_WORK_DIR})
configure_and_read(${FM_WORK_DIR}/default defaults)
string(FIND "${defaults}" "-Werror" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "default options compile with -Werror (must be opt-in through FM_WERROR)")
endif()
configure_and_read(${FM_WORK_DIR}/werror werror -DFM_WERROR=ON)
string(FIND "${werror}" "-Werror" at)
if(at EQUAL -1)
  message(FATAL_ERROR "FM_WERROR=ON does not add -Werror to framemem's compile commands")
endif()
message(STATUS "ok: -Werror only with FM_WERROR=ON")
