# Extra targets of the debug tests.
# The misuse specifications hand freed pointers back on purpose (double free), which GCC's
# -Wuse-after-free would otherwise turn into a build error.
target_compile_options(fm_debug_tests PRIVATE -Wno-use-after-free)
# The heap counter is specified twice: with the counting operator new linked, and without it.
target_link_libraries(fm_debug_tests PRIVATE fm::new_counter)
fm_add_doctest(fm_debug_no_hook_tests unit ${CMAKE_CURRENT_LIST_DIR}/heap_counter_absent.cpp)
