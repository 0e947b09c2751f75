# The replay tool's tests run framemem-replay as a child process; they need the framemem malloc library
# (absent from sanitizer builds, whose runtime owns malloc) and a deliberately corrupting malloc.
if(TARGET framemem-replay AND TARGET framemem_malloc)
  add_library(fm_trace_corrupting_malloc SHARED ${CMAKE_CURRENT_LIST_DIR}/corrupting_malloc.cpp)
  fm_target_defaults(fm_trace_corrupting_malloc)
  fm_add_doctest(fm_trace_replay_tests unit ${CMAKE_CURRENT_LIST_DIR}/replay_tool.cpp)
  target_compile_definitions(fm_trace_replay_tests PRIVATE FM_REPLAY_TOOL="$<TARGET_FILE:framemem-replay>"
                             FM_CORRUPTING_MALLOC="$<TARGET_FILE:fm_trace_corrupting_malloc>")
  add_dependencies(fm_trace_replay_tests framemem-replay fm_trace_corrupting_malloc)
endif()

# The replay tool's per-round result line, written and read in process from its one field list.
if(TARGET framemem-replay)
  fm_add_doctest(fm_replay_result_tests unit ${CMAKE_CURRENT_LIST_DIR}/replay_result.cpp
                 ${PROJECT_SOURCE_DIR}/tools/replay/replay.cpp)
  target_include_directories(fm_replay_result_tests PRIVATE ${PROJECT_SOURCE_DIR}/tools/replay)
endif()

# FRAMEMEM_TRACE: a program run with the malloc library preloaded, its trace read back.
if(TARGET framemem_malloc)
  foreach(program traced_program exiting_program)
    add_executable(fm_trace_${program} ${CMAKE_CURRENT_LIST_DIR}/${program}.cpp)
    target_link_libraries(fm_trace_${program} PRIVATE Threads::Threads)
    fm_target_defaults(fm_trace_${program})
  endforeach()
  fm_add_doctest(fm_trace_malloc_tests unit ${CMAKE_CURRENT_LIST_DIR}/malloc_trace.cpp)
  target_compile_definitions(fm_trace_malloc_tests PRIVATE FM_MALLOC_LIBRARY="$<TARGET_FILE:framemem_malloc>"
                             FM_TRACED_PROGRAM="$<TARGET_FILE:fm_trace_traced_program>"
                             FM_EXITING_PROGRAM="$<TARGET_FILE:fm_trace_exiting_program>")
  add_dependencies(fm_trace_malloc_tests framemem_malloc fm_trace_traced_program fm_trace_exiting_program)
endif()

# Acceptance: a recorded demo run (300 frames, --record) and a python3 script recorded through
# FRAMEMEM_TRACE each replay under glibc, mimalloc, jemalloc, tcmalloc and framemem, every block verified.
if(TARGET framemem-replay AND TARGET framemem_malloc)
  set(fm_replay_recorded bash ${CMAKE_CURRENT_LIST_DIR}/replay_recorded.sh $<TARGET_FILE:framemem-replay>)
  if(TARGET framemem-demo)
    add_test(NAME fm_replay_demo_recording
             COMMAND ${fm_replay_recorded} ${CMAKE_CURRENT_BINARY_DIR}/demo_recording.fmt --
                     $<TARGET_FILE:framemem-demo> --no-render --frames 300 --assets ${PROJECT_SOURCE_DIR}/assets
                     --record ${CMAKE_CURRENT_BINARY_DIR}/demo_recording.fmt)
    set_tests_properties(fm_replay_demo_recording PROPERTIES LABELS replay)
  endif()
  # Debian's interpreter, not a wrapper script that would run (and record) other programs first.
  find_program(FM_TRACE_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  if(FM_TRACE_PYTHON3)
    add_test(NAME fm_replay_python_recording
             COMMAND ${fm_replay_recorded} ${CMAKE_CURRENT_BINARY_DIR}/python_recording.fmt --
                     env FRAMEMEM_TRACE=${CMAKE_CURRENT_BINARY_DIR}/python_recording.fmt
                     LD_PRELOAD=$<TARGET_FILE:framemem_malloc> ${FM_TRACE_PYTHON3}
                     ${CMAKE_CURRENT_LIST_DIR}/recorded_program.py)
    set_tests_properties(fm_replay_python_recording PROPERTIES LABELS replay)
  endif()
endif()
