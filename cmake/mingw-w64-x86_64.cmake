# Toolchain for 64-bit Windows with Debian's MinGW-w64 (g++-mingw-w64-x86-64-posix: the posix thread model,
# which std::thread and std::mutex need). Executables link the runtime statically and run under Wine, which
# ctest uses as the emulator: cmake -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake ...
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# Debian ships doctest and nlohmann_json (header-only) for the host only, under /usr. /usr/include must not
# reach a MinGW compile (glibc's headers would shadow MinGW's), so a prefix in the build tree holds just
# those headers and package files that point there.
set(_fm_host_headers ${CMAKE_BINARY_DIR}/host-headers)
if(NOT EXISTS ${_fm_host_headers}/lib/cmake/doctest/doctestConfig.cmake)
  file(MAKE_DIRECTORY ${_fm_host_headers}/include ${_fm_host_headers}/lib/cmake/doctest ${_fm_host_headers}/share/cmake)
  foreach(dir IN ITEMS include/doctest include/nlohmann share/cmake/nlohmann_json)
    if(EXISTS /usr/${dir} AND NOT EXISTS ${_fm_host_headers}/${dir})
      file(CREATE_LINK /usr/${dir} ${_fm_host_headers}/${dir} SYMBOLIC)
    endif()
  endforeach()
  # Debian's doctestTargets.cmake names /usr/include itself, so doctest gets its own small config here.
  file(WRITE ${_fm_host_headers}/lib/cmake/doctest/doctestConfig.cmake [=[
list(APPEND CMAKE_MODULE_PATH /usr/lib/cmake/doctest)
if(NOT TARGET doctest::doctest)
  add_library(doctest::doctest INTERFACE IMPORTED)
  set_target_properties(doctest::doctest PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${CMAKE_CURRENT_LIST_DIR}/../../../include")
endif()
]=])
endif()

set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32 ${_fm_host_headers})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Debian's wine64 package puts its loader in /usr/lib/wine; the `wine` package adds /usr/bin wrappers.
find_program(FM_WINE NAMES wine64 wine PATHS /usr/lib/wine)
if(FM_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${FM_WINE})
endif()
