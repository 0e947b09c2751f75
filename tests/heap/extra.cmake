# libframemem_malloc.so tests (normal builds only; sanitizer builds skip the library): the C and C++
# interface in a program linked against it, and real programs under LD_PRELOAD compared with plain runs.
if(NOT TARGET framemem_malloc)
  return()
endif()

fm_add_doctest(fm_heap_malloc_tests unit ${CMAKE_CURRENT_LIST_DIR}/preload/c_interface.cpp)
target_link_libraries(fm_heap_malloc_tests PRIVATE framemem_malloc ${CMAKE_DL_LIBS})
# The test calls the sized operator delete, which clang 16 declares only with -fsized-deallocation.
target_compile_options(fm_heap_malloc_tests PRIVATE $<$<CXX_COMPILER_ID:Clang>:-fsized-deallocation>)

foreach(program IN ITEMS python git gxx sort cmake)
  add_test(NAME "fm_heap_preload: ${program}"
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/preload/run_compare.sh $<TARGET_FILE:framemem_malloc> ${program})
  set_tests_properties("fm_heap_preload: ${program}" PROPERTIES LABELS "preload" TIMEOUT 180)
endforeach()

add_test(NAME "fm_heap_preload: terminate handler"
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/preload/terminate_handler.sh $<TARGET_FILE:framemem_malloc>)
set_tests_properties("fm_heap_preload: terminate handler" PROPERTIES LABELS "preload" TIMEOUT 60)
