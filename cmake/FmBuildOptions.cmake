# Warnings for framemem's own code and the sanitizer switch shared by every target.

# Project code is warning-clean; Debian headers come in as SYSTEM includes so they never trip -Werror.
# -Werror is for developers and CI (FM_WERROR): a user's compiler may warn where ours did not, and that
# must never stop their build.
# -Wundef: an option macro that is not defined (fm/config.hpp not reached) must not silently read as 0 and
# compile checked-mode code or tests out.
add_library(fm_warnings INTERFACE)
target_compile_options(fm_warnings INTERFACE -Wall -Wextra -Wpedantic -Wundef)
if(FM_WERROR)
  target_compile_options(fm_warnings INTERFACE -Werror)
endif()

if(FM_SANITIZE)
  list(JOIN FM_SANITIZE "," _fm_sanitizers)
  if(_fm_sanitizers MATCHES "thread" AND _fm_sanitizers MATCHES "address")
    message(FATAL_ERROR "FM_SANITIZE: 'thread' cannot be combined with 'address' (got '${FM_SANITIZE}')")
  endif()
  message(STATUS "framemem: sanitizers ${_fm_sanitizers}")
  add_compile_options(-fsanitize=${_fm_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_fm_sanitizers})
endif()

# fm_target_defaults(<target>): what every framemem-owned target gets.
function(fm_target_defaults target)
  target_link_libraries(${target} PRIVATE $<BUILD_INTERFACE:fm_warnings>)
endfunction()

# Fuzzing instruments every target for coverage; only the fuzz executables link libFuzzer's main.
if(FM_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "FM_BUILD_FUZZ needs clang (libFuzzer), e.g. -DCMAKE_CXX_COMPILER=clang++-16")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
