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
