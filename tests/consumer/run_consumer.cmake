# Script mode: install framemem to FM_WORK_DIR/prefix, build tests/consumer against it, run its programs.
function(run_step)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    list(JOIN ARGV " " cmd)
    message(FATAL_ERROR "consumer step failed (exit ${rc}): ${cmd}")
  endif()
endfunction()

file(REMOVE_RECURSE ${FM_WORK_DIR})
set(prefix ${FM_WORK_DIR}/prefix)

# The README's embed example is compiled exactly as a new user would copy it.
file(READ ${FM_README} readme)
string(REGEX MATCH "<!-- embed-example:begin -->[^`]*```cpp\n(.*)```[^`]*<!-- embed-example:end -->" found "${readme}")
if(NOT found)
  message(FATAL_ERROR "README.md has no ```cpp block between <!-- embed-example:begin --> and <!-- embed-example:end -->")
endif()
file(WRITE ${FM_WORK_DIR}/embed_example.cpp "${CMAKE_MATCH_1}")

run_step(${CMAKE_COMMAND} --install ${FM_BUILD_DIR} --prefix ${prefix})
run_step(${CMAKE_COMMAND} -S ${FM_SOURCE_DIR} -B ${FM_WORK_DIR}/build
  -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=${FM_BUILD_TYPE}
  -DFM_EMBED_EXAMPLE=${FM_WORK_DIR}/embed_example.cpp
  "-DCMAKE_CXX_FLAGS=${FM_CXX_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${FM_CXX_FLAGS}")
run_step(${CMAKE_COMMAND} --build ${FM_WORK_DIR}/build)
run_step(${FM_WORK_DIR}/build/consumer)
run_step(${FM_WORK_DIR}/build/embed_example)
