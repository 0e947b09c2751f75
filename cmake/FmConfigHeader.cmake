# Generates fm/config.hpp (engine/config/config.hpp.in) from the options that change what framemem's headers
# compile to, and puts it on fm::core's include path and in the install tree: consumers read the options
# from the header, never from CMake-only compile definitions a premake or Makefile build would not see.
include(CheckIncludeFileCXX)

# Checked mode follows the build type unless set: on where a game is debugged (Debug, RelWithDebInfo),
# off where it ships (Release, MinSizeRel).
set(FM_CHECKED "" CACHE STRING "Checked build (misuse errors): ON, OFF, or empty to follow the build type (OFF in Release and MinSizeRel)")
set_property(CACHE FM_CHECKED PROPERTY STRINGS "" ON OFF)

# Without exceptions framemem reports errors to a handler (fm::set_error_handler) and compiles with
# -fno-exceptions; the game decides how it compiles its own code.
option(FM_EXCEPTIONS "Report errors by throwing; OFF builds fm::core with -fno-exceptions and reports them to fm::set_error_handler" ON)

# Valgrind client requests follow the build type too, for the same reason: a debugged build gets them (when
# valgrind/memcheck.h is there), a shipped one compiles them out, so its fast paths load no "under Valgrind?"
# flag and reserve no client-request frame. FM_VALGRIND=ON/OFF overrides that.
check_include_file_cxx(valgrind/memcheck.h FM_HAVE_VALGRIND_HEADER)
set(FM_VALGRIND "" CACHE STRING "Valgrind client requests in pools and arenas (consumers then need valgrind/memcheck.h): ON, OFF, or empty to follow the build type (ON in Debug and RelWithDebInfo when the header is found)")
set_property(CACHE FM_VALGRIND PROPERTY STRINGS "" ON OFF)
if(FM_VALGRIND AND NOT FM_HAVE_VALGRIND_HEADER)
  message(FATAL_ERROR "FM_VALGRIND=ON needs valgrind/memcheck.h (Debian: valgrind)")
endif()
# FM_VALGRIND_BUILT: whether a single-configuration build compiles the requests in (tests and packaging ask).
if(FM_VALGRIND STREQUAL "")
  if(FM_HAVE_VALGRIND_HEADER AND NOT CMAKE_BUILD_TYPE MATCHES "^(Release|MinSizeRel)$")
    set(FM_VALGRIND_BUILT ON)
  else()
    set(FM_VALGRIND_BUILT OFF)
  endif()
elseif(FM_VALGRIND)
  set(FM_VALGRIND_BUILT ON)
else()
  set(FM_VALGRIND_BUILT OFF)
endif()

# fm_config_header(<target>): generates the header for <target> (fm::core) and installs it.
function(fm_config_header target)
  if(FM_CHECKED STREQUAL "")
    # A generator expression so multi-config generators get one header per configuration.
    set(FM_CONFIG_CHECKED "$<IF:$<CONFIG:Release,MinSizeRel>,0,1>")
  elseif(FM_CHECKED)
    set(FM_CONFIG_CHECKED 1)
  else()
    set(FM_CONFIG_CHECKED 0)
  endif()
  set(FM_CONFIG_EXCEPTIONS 1)
  if(NOT FM_EXCEPTIONS)
    set(FM_CONFIG_EXCEPTIONS 0)
    target_compile_options(${target} PRIVATE -fno-exceptions)
  endif()
  # The annotations follow how the library itself is instrumented, not how each consumer compiles.
  set(FM_CONFIG_ASAN 0)
  if("${FM_SANITIZE}" MATCHES "address" OR "${CMAKE_CXX_FLAGS}" MATCHES "-fsanitize=[^ ]*address")
    set(FM_CONFIG_ASAN 1)
  endif()
  if(FM_VALGRIND STREQUAL "" AND FM_HAVE_VALGRIND_HEADER)
    set(FM_CONFIG_VALGRIND "$<IF:$<CONFIG:Release,MinSizeRel>,0,1>")
  elseif(FM_VALGRIND)
    set(FM_CONFIG_VALGRIND 1)
  else()
    set(FM_CONFIG_VALGRIND 0)
  endif()

  set(dir ${PROJECT_BINARY_DIR}/config)
  configure_file(${PROJECT_SOURCE_DIR}/engine/config/config.hpp.in ${dir}/config.hpp.in @ONLY)
  file(GENERATE OUTPUT ${dir}/$<CONFIG>/fm/config.hpp INPUT ${dir}/config.hpp.in)
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${dir}/$<CONFIG>>)
  target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/engine/config/config.cpp)
  install(FILES ${dir}/$<CONFIG>/fm/config.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/fm)

  if(FM_CHECKED STREQUAL "")
    message(STATUS "framemem: checked mode follows the build type (FM_CHECKED=ON/OFF to choose)")
  else()
    message(STATUS "framemem: checked mode ${FM_CONFIG_CHECKED} (FM_CHECKED=${FM_CHECKED})")
  endif()
endfunction()
