# Cachegrind agreement: the demo's AoS and SoA particle kernels under `valgrind --tool=cachegrind` with
# the simulator's geometry, compared with fm::CacheSimulator's replay of the same passes (normal builds
# only: valgrind does not run sanitized programs).
add_executable(fm_cache_agreement_program ${CMAKE_CURRENT_LIST_DIR}/cache_agreement_program.cpp)
target_link_libraries(fm_cache_agreement_program PRIVATE fm::core)
target_include_directories(fm_cache_agreement_program PRIVATE ${PROJECT_SOURCE_DIR})
# Scalar code, so each field access in the kernel is one memory reference, as the replayed trace models it.
target_compile_options(fm_cache_agreement_program PRIVATE -O2 -fno-tree-vectorize)
fm_target_defaults(fm_cache_agreement_program)

find_program(FM_VALGRIND_PROGRAM valgrind)
# Valgrind runs Linux executables only.
if(FM_VALGRIND_PROGRAM AND NOT FM_SANITIZE AND NOT CMAKE_CROSSCOMPILING)
  foreach(layout aos soa)
    add_test(NAME cache_cachegrind_agreement_${layout}
      COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:fm_cache_agreement_program> -DVALGRIND=${FM_VALGRIND_PROGRAM}
        -DLAYOUT=${layout} -DPASSES=10 -P ${CMAKE_CURRENT_LIST_DIR}/cache_agreement.cmake)
    set_tests_properties(cache_cachegrind_agreement_${layout} PROPERTIES LABELS "unit;valgrind" TIMEOUT 600)
  endforeach()
endif()
