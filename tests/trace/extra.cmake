# The trace tests write scratch traces and, for the replay tool, run it as a child process.
if(TARGET framemem-replay)
  target_compile_definitions(fm_trace_tests PRIVATE FM_REPLAY_TOOL="$<TARGET_FILE:framemem-replay>")
  add_dependencies(fm_trace_tests framemem-replay)
endif()
