# Extra targets of the debug tests.
# The misuse specifications hand freed pointers back on purpose (double free), which GCC's
# -Wuse-after-free would otherwise turn into a build error (clang has no such warning, nor the option).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(fm_debug_tests PRIVATE -Wno-use-after-free)
endif()
# The heap counter is specified twice: with the counting operator new linked, and without it.
target_link_libraries(fm_debug_tests PRIVATE fm::new_counter)
fm_add_doctest(fm_debug_no_hook_tests unit ${CMAKE_CURRENT_LIST_DIR}/heap_counter_absent.cpp)

# Deliberate memory bugs in child processes (misuse_program.cpp), checked through their output. Paths in
# messages are printed relative to the source tree; GCC names an anonymous namespace "{anonymous}", clang
# "(anonymous namespace)".
add_executable(fm_misuse_program ${CMAKE_CURRENT_LIST_DIR}/misuse_program.cpp)
target_link_libraries(fm_misuse_program PRIVATE fm::core)
fm_throw_reported_errors(fm_misuse_program)
target_compile_options(fm_misuse_program PRIVATE -fmacro-prefix-map=${PROJECT_SOURCE_DIR}/=)
fm_target_defaults(fm_misuse_program)

set(_misuse ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:fm_misuse_program>)

fm_add_child_test(debug_leak_report_at_exit 0 "${_misuse};leak"
  "framemem: 3 leaked allocations \\(60 bytes\\) in 'bullets'"
  "tests/debug/misuse_program.cpp:[0-9]+: 3 blocks, 60 bytes \\[weapons\\] in int [{(]anonymous( namespace)?[})]::leak\\(\\)")
fm_add_child_test(debug_guard_overrun_named 3 "${_misuse};overrun"
  "guard overwritten in 'names': block #1 \\(16 bytes at 0x[0-9a-f]+\\) overrun after its end at offset 16: found 0x00, expected 0xFD")
fm_add_child_test(debug_double_free_named 4 "${_misuse};double-free"
  "double free in 'bullets': block #1 at 0x[0-9a-f]+ \\(20 bytes aligned to 4, allocated at tests/debug/misuse_program.cpp:[0-9]+\\) was already freed")

find_program(FM_VALGRIND_PROGRAM valgrind)
if(FM_SANITIZE MATCHES "address")
  fm_add_child_test(debug_asan_pool_use_after_free nonzero "${_misuse};use-after-free"
    "ERROR: AddressSanitizer: use-after-poison" "READ of size 4" "use_after_free" "fm::Pool")
# Only where the build compiles Valgrind's client requests in (FM_VALGRIND, on by default in Debug and
# RelWithDebInfo): without them memcheck cannot see inside a pool.
elseif(FM_VALGRIND_PROGRAM AND FM_VALGRIND_BUILT AND NOT FM_SANITIZE AND NOT CMAKE_CROSSCOMPILING)
  fm_add_child_test(debug_valgrind_pool_use_after_free 1 "${FM_VALGRIND_PROGRAM};--error-exitcode=1;${_misuse};use-after-free"
    "Invalid read of size 4" "use_after_free\\(\\) \\(misuse_program.cpp:[0-9]+\\)" "fm::Pool::add_page"
    "ERROR SUMMARY: 1 errors")
endif()
