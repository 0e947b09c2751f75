# Without exceptions (FM_EXCEPTIONS=OFF): a program built with -fno-exceptions, as a game without exceptions
# builds, shows where errors go (the handler) and that every try_ twin answers without it.
if(NOT FM_EXCEPTIONS)
  add_executable(fm_no_exceptions_program ${CMAKE_CURRENT_LIST_DIR}/no_exceptions_program.cpp)
  target_link_libraries(fm_no_exceptions_program PRIVATE fm::core)
  target_compile_options(fm_no_exceptions_program PRIVATE -fno-exceptions)
  fm_target_defaults(fm_no_exceptions_program)
  set(_noexc ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:fm_no_exceptions_program>)
  fm_add_child_test(no_exceptions_try_forms_skip_the_handler 0 "${_noexc};try-forms"
    "every try_ form answered without the handler")
  fm_add_child_test(no_exceptions_default_handler_prints_and_aborts nonzero "${_noexc};default-handler"
    "framemem: bad alignment in 'bullets': 3 is not a power of two")
  fm_add_child_test(no_exceptions_own_handler_sees_the_error 3 "${_noexc};own-handler"
    "game handler: out of memory in 'bullets'")
  fm_add_child_test(no_exceptions_returning_handler_aborts nonzero "${_noexc};handler-returns"
    "returning handler: stale handle" "framemem: the error handler returned; aborting")
  fm_add_child_test(no_exceptions_guard_layer_names_a_refused_free 5 "${_noexc};guarded-names"
    "handler: size mismatch in 'names': block #[0-9]+ at .* freed as 32 bytes aligned to 8, allocated as 24 bytes")
  fm_add_child_test(no_exceptions_longjmp_handler_finds_the_call_undone 0 "${_noexc};longjmp-undo"
    "handler: out of memory in 'budget'" "the refused create left everything as it was")
endif()
