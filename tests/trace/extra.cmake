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

# FRAMEMEM_TRACE: a program run with the malloc library preloaded, its trace read back.
if(TARGET framemem_malloc)
  add_executable(fm_trace_traced_program ${CMAKE_CURRENT_LIST_DIR}/traced_program.cpp)
  target_link_libraries(fm_trace_traced_program PRIVATE Threads::Threads)
  fm_target_defaults(fm_trace_traced_program)
  fm_add_doctest(fm_trace_malloc_tests unit ${CMAKE_CURRENT_LIST_DIR}/malloc_trace.cpp)
  target_compile_definitions(fm_trace_malloc_tests PRIVATE FM_MALLOC_LIBRARY="$<TARGET_FILE:framemem_malloc>"
                             FM_TRACED_PROGRAM="$<TARGET_FILE:fm_trace_traced_program>")
  add_dependencies(fm_trace_malloc_tests framemem_malloc fm_trace_traced_program)
endif()
