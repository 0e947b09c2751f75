# Script mode, one package test per FM_MODE, all under FM_WORK_DIR (the installed prefix is FM_WORK_DIR/prefix):
#   install   cmake --install of this build into the prefix (the other modes' fixture)
#   headers   every installed header reaches fm/config.hpp
#   cmake     configure, build and run tests/consumer asking for FM_COMPONENTS (comma-separated; FM_NO_IMGUI:
#             imgui and pkg-config unfindable)
#   makefile  tests/consumer/Makefile with flags from pkg-config only
#   mismatch  headers that disagree with the library: the link fails and names the option
#   deb       cpack -G DEB, dpkg-deb -x into a scratch root, consumers built against that root
cmake_minimum_required(VERSION 3.25)  # script mode: IN_LIST and the other current policies
set(prefix ${FM_WORK_DIR}/prefix)
string(REPLACE "," ";" FM_COMPONENTS "${FM_COMPONENTS}")

function(run_step)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    list(JOIN ARGV " " cmd)
    message(FATAL_ERROR "package step failed (exit ${rc}): ${cmd}")
  endif()
endfunction()

# expect_failure(<what> <text the output must contain> <command...>)
function(expect_failure what needle)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  string(FIND "${out}" "${needle}" at)
  if(rc EQUAL 0 OR at EQUAL -1)
    message(FATAL_ERROR "${what}: expected a failure mentioning '${needle}', got exit ${rc}:\n${out}")
  endif()
  message(STATUS "ok: ${what} fails with '${needle}'")
endfunction()

# cmake_consumer(<root prefix> <build dir> <components...>): tests/consumer against the package in <root>.
function(cmake_consumer root dir)
  set(components ${ARGN})
  set(env "")
  set(extra "")
  if(FM_NO_IMGUI)
    # A machine without imgui as far as CMake can tell: no pkg-config module path, PkgConfig not findable.
    file(MAKE_DIRECTORY ${dir}-empty-pkgconfig)
    set(env PKG_CONFIG_LIBDIR=${dir}-empty-pkgconfig PKG_CONFIG_PATH=)
    set(extra -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON)
  endif()
  set(embed "")
  if("core" IN_LIST components)
    # The README's embed example is compiled exactly as a new user would copy it.
    file(READ ${FM_README} readme)
    string(REGEX MATCH "<!-- embed-example:begin -->[^`]*```cpp\n(.*)```[^`]*<!-- embed-example:end -->" found "${readme}")
    if(NOT found)
      message(FATAL_ERROR "README.md has no ```cpp block between <!-- embed-example:begin --> and <!-- embed-example:end -->")
    endif()
    file(WRITE ${dir}-embed_example.cpp "${CMAKE_MATCH_1}")
    set(embed -DFM_EMBED_EXAMPLE=${dir}-embed_example.cpp)
  endif()
  file(REMOVE_RECURSE ${dir})
  # The component list goes through an initial cache file: run_step's argument list would split it.
  file(WRITE ${dir}-components.cmake "set(CONSUMER_COMPONENTS \"${components}\" CACHE STRING \"\")\n")
  run_step(${CMAKE_COMMAND} -E env ${env} ${CMAKE_COMMAND} -C ${dir}-components.cmake -S ${FM_SOURCE_DIR} -B ${dir}
    -DCMAKE_PREFIX_PATH=${root} -DCMAKE_BUILD_TYPE=${FM_BUILD_TYPE} -DCMAKE_CXX_COMPILER=${FM_CXX} ${embed} ${extra}
    "-DCMAKE_CXX_FLAGS=${FM_CXX_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${FM_CXX_FLAGS}")
  run_step(${CMAKE_COMMAND} --build ${dir})
  run_step(${dir}/consumer)
  if(embed)
    run_step(${dir}/embed_example)
  endif()
  if("malloc" IN_LIST components)
    run_step(${dir}/malloc_consumer)
  endif()
endfunction()

# makefile_consumer(<root prefix> <out dir>): tests/consumer/Makefile with PKG_CONFIG_PATH into <root>.
function(makefile_consumer root out)
  file(GLOB pcdir LIST_DIRECTORIES true ${root}/lib*/pkgconfig ${root}/lib/*/pkgconfig)
  file(REMOVE_RECURSE ${out})
  file(MAKE_DIRECTORY ${out})
  set(env PKG_CONFIG_PATH=${pcdir} CXX=${FM_CXX} "LDFLAGS=${FM_CXX_FLAGS}")
  run_step(${CMAKE_COMMAND} -E env ${env} make --no-print-directory -C ${FM_SOURCE_DIR} OUT=${out} consumer)
  run_step(${out}/consumer)
  if(EXISTS ${pcdir}/framemem-malloc.pc)
    run_step(${CMAKE_COMMAND} -E env ${env} make --no-print-directory -C ${FM_SOURCE_DIR} OUT=${out} malloc_consumer)
    get_filename_component(libdir ${pcdir} DIRECTORY)
    run_step(${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${libdir} ${out}/malloc_consumer)
  endif()
endfunction()

if(FM_MODE STREQUAL "install")
  file(REMOVE_RECURSE ${prefix})
  run_step(${CMAKE_COMMAND} --install ${FM_BUILD_DIR} --prefix ${prefix})

elseif(FM_MODE STREQUAL "headers")
  # -M lists what a header pulls in; -MG tolerates third-party headers that are not installed here (imgui).
  file(GLOB_RECURSE headers RELATIVE ${prefix}/include ${prefix}/include/fm/*.hpp)
  foreach(header IN LISTS headers)
    if(header STREQUAL "fm/config.hpp")
      continue()
    endif()
    file(WRITE ${FM_WORK_DIR}/headers/probe.cpp "#include <${header}>\n")
    execute_process(COMMAND ${FM_CXX} -std=c++20 -M -MG -I${prefix}/include ${FM_WORK_DIR}/headers/probe.cpp
                    RESULT_VARIABLE rc OUTPUT_VARIABLE deps ERROR_VARIABLE deps)
    if(NOT rc EQUAL 0 OR NOT deps MATCHES "fm/config\\.hpp")
      message(FATAL_ERROR "installed ${header} does not include fm/config.hpp (exit ${rc}):\n${deps}")
    endif()
  endforeach()
  list(LENGTH headers count)
  message(STATUS "ok: all ${count} installed headers reach fm/config.hpp")

elseif(FM_MODE STREQUAL "cmake")
  cmake_consumer(${prefix} ${FM_WORK_DIR}/${FM_NAME} ${FM_COMPONENTS})

elseif(FM_MODE STREQUAL "makefile")
  makefile_consumer(${prefix} ${FM_WORK_DIR}/makefile)

elseif(FM_MODE STREQUAL "mismatch")
  # For each option, a copy of the installed headers whose fm/config.hpp says the opposite: what a game gets
  # with a Release library next to a Debug build's headers, or headers of a build without exceptions. Same
  # compile and link line as a correct build.
  file(GLOB libdir LIST_DIRECTORIES true ${prefix}/lib*)
  separate_arguments(flags UNIX_COMMAND "${FM_CXX_FLAGS}")
  set(link -L${libdir} -lframemem_core -pthread ${flags})
  run_step(${FM_CXX} -std=c++20 ${flags} -I${prefix}/include ${FM_SOURCE_DIR}/main.cpp -o ${FM_WORK_DIR}/agrees ${link})
  foreach(option IN ITEMS CHECKED EXCEPTIONS)
    set(dir ${FM_WORK_DIR}/mismatch-${option})
    file(REMOVE_RECURSE ${dir})
    file(COPY ${prefix}/include DESTINATION ${dir})
    file(READ ${dir}/include/fm/config.hpp config)
    string(REGEX MATCH "#define FM_CONFIG_${option} ([01])" found "${config}")
    if(NOT found)
      message(FATAL_ERROR "installed fm/config.hpp has no '#define FM_CONFIG_${option} 0|1'")
    endif()
    set(built ${CMAKE_MATCH_1})
    math(EXPR other "1 - ${built}")
    string(REPLACE "#define FM_CONFIG_${option} ${built}" "#define FM_CONFIG_${option} ${other}" config "${config}")
    file(WRITE ${dir}/include/fm/config.hpp "${config}")
    expect_failure("linking with headers that say FM_${option}=${other}" "fm::library_config::FM_${option}_${other}"
      ${FM_CXX} -std=c++20 ${flags} -I${dir}/include ${FM_SOURCE_DIR}/main.cpp -o ${dir}/disagrees ${link})
    expect_failure("compiling with -DFM_${option}=${other}" "FM_${option} differs"
      ${FM_CXX} -std=c++20 -DFM_${option}=${other} -I${prefix}/include -fsyntax-only ${FM_SOURCE_DIR}/main.cpp)
  endforeach()

elseif(FM_MODE STREQUAL "deb")
  set(dir ${FM_WORK_DIR}/deb)
  file(REMOVE_RECURSE ${dir})
  # This build's CPack configuration (name, dependencies, shlibdeps) packs the files the fixture installed
  # with the same install rules: a plain `cpack -G DEB` would first rebuild the whole tree (its `preinstall`
  # step), which a test must not do. Both are relocatable, so /usr in the package works like the prefix.
  run_step(cpack -G DEB --config ${FM_BUILD_DIR}/CPackConfig.cmake -B ${dir}/out
    -D CPACK_INSTALL_CMAKE_PROJECTS= "-D CPACK_INSTALLED_DIRECTORIES=${prefix}\;usr")
  file(GLOB debs ${dir}/out/*.deb)
  list(LENGTH debs count)
  if(NOT count EQUAL 1)
    message(FATAL_ERROR "cpack -G DEB made ${count} packages in ${dir}/out, expected one: ${debs}")
  endif()
  run_step(dpkg-deb --info ${debs})
  run_step(dpkg-deb -x ${debs} ${dir}/root)
  cmake_consumer(${dir}/root/usr ${dir}/cmake ${FM_COMPONENTS})
  makefile_consumer(${dir}/root/usr ${dir}/makefile)

else()
  message(FATAL_ERROR "unknown FM_MODE '${FM_MODE}'")
endif()
