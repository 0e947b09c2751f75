# libFuzzer targets: one per model harness (tests/fuzz/<component>_fuzz.cpp), each run by ctest (label
# `fuzz`) for FM_FUZZ_SECONDS over a scratch corpus seeded from tests/fuzz/corpus/<component>/. Built only
# with FM_BUILD_FUZZ, which needs clang (see the root CMakeLists.txt).
if(NOT FM_BUILD_FUZZ)
  return()
endif()

set(FM_FUZZ_SECONDS 30 CACHE STRING "Seconds ctest runs each fuzz target")
file(GLOB fm_fuzz_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/*_fuzz.cpp)
add_custom_target(fm_fuzzers)
foreach(src IN LISTS fm_fuzz_sources)
  get_filename_component(name ${src} NAME_WE)
  string(REGEX REPLACE "_fuzz$" "" component ${name})
  set(target fm_fuzz_${component})
  add_executable(${target} ${src})
  target_link_libraries(${target} PRIVATE fm::core)
  target_include_directories(${target} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_options(${target} PRIVATE -fsanitize=fuzzer)
  target_link_options(${target} PRIVATE -fsanitize=fuzzer)
  fm_target_defaults(${target})
  add_dependencies(fm_fuzzers ${target})

  # libFuzzer adds what it finds to the first corpus folder: a scratch copy, so the source tree stays as is.
  set(work ${CMAKE_CURRENT_BINARY_DIR}/fuzz/${component})
  file(MAKE_DIRECTORY ${work}/corpus)
  set(seeds ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${component})
  set(corpora ${work}/corpus)
  if(IS_DIRECTORY ${seeds})
    list(APPEND corpora ${seeds})
  endif()
  add_test(NAME fuzz_${component}
           COMMAND ${target} -max_total_time=${FM_FUZZ_SECONDS} -timeout=20 -rss_limit_mb=4096
                   -print_final_stats=1 -artifact_prefix=${work}/ ${corpora})
  set_tests_properties(fuzz_${component} PROPERTIES LABELS fuzz)
endforeach()
