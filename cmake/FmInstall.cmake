# Installs headers, libraries, the framemem CMake package with components (core, overlay, malloc), pkg-config
# files, and sets up `cpack -G DEB`. Each component has its own export file so that
# find_package(framemem COMPONENTS core) reads nothing that needs Dear ImGui.
include(CMakePackageConfigHelpers)

set(FM_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/framemem)
set(FM_INSTALL_PKGCONFIGDIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
set(FM_PACKAGE_COMPONENTS "")

# fm_install_component(<component> <targets...>): installs the targets as fm::<export name> into
# framemem-<component>-targets.cmake, which the package config loads when that component is asked for.
function(fm_install_component component)
  install(TARGETS ${ARGN} EXPORT framemem-${component}
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    OBJECTS DESTINATION ${CMAKE_INSTALL_LIBDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT framemem-${component} NAMESPACE fm:: FILE framemem-${component}-targets.cmake
    DESTINATION ${FM_INSTALL_CMAKEDIR})
  set(FM_PACKAGE_COMPONENTS ${FM_PACKAGE_COMPONENTS} ${component} PARENT_SCOPE)
endfunction()

# fm_install_pkgconfig(<name>): configures cmake/<name>.pc.in. Paths are relative to the .pc file
# (${pcfiledir}), so an install with `cmake --install --prefix` or an unpacked .deb works where it lands.
file(RELATIVE_PATH FM_PC_PREFIX_FROM_PCDIR /${FM_INSTALL_PKGCONFIGDIR} /)
string(REGEX REPLACE "/$" "" FM_PC_PREFIX_FROM_PCDIR "${FM_PC_PREFIX_FROM_PCDIR}")
set(FM_PC_SANITIZE "")
if(FM_SANITIZE)
  list(JOIN FM_SANITIZE "," _fm_pc_san)
  set(FM_PC_SANITIZE " -fsanitize=${_fm_pc_san}")
endif()
function(fm_install_pkgconfig name)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/${name}.pc.in ${PROJECT_BINARY_DIR}/pkgconfig/${name}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${name}.pc DESTINATION ${FM_INSTALL_PKGCONFIGDIR})
endfunction()

install(DIRECTORY engine/include/fm DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
fm_install_component(core framemem_core framemem_new_counter)
fm_install_pkgconfig(framemem)
if(TARGET framemem_overlay)
  install(DIRECTORY engine/overlay/include/fm DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  fm_install_component(overlay framemem_overlay)
  fm_install_pkgconfig(framemem-overlay)
endif()
if(TARGET framemem_malloc)
  fm_install_component(malloc framemem_malloc)
  fm_install_pkgconfig(framemem-malloc)
endif()

configure_package_config_file(cmake/framememConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/framememConfig.cmake
  INSTALL_DESTINATION ${FM_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/framememConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/framememConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/framememConfigVersion.cmake
  DESTINATION ${FM_INSTALL_CMAKEDIR})

# `cpack -G DEB`: one development package with everything `cmake --install` puts in place.
set(CPACK_PACKAGE_NAME libframemem-dev)
set(CPACK_PACKAGE_VENDOR framemem)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}: C++20 headers, static libraries, malloc replacement")
set(CPACK_PACKAGE_CONTACT "framemem developers")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # libframemem_malloc.so's runtime dependencies
set(CPACK_DEBIAN_PACKAGE_DEPENDS "")
if(FM_VALGRIND_BUILT)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "valgrind")  # fm/config.hpp says the headers include valgrind/memcheck.h
endif()
if(TARGET framemem_overlay)
  set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libimgui-dev")  # only fm::overlay needs it
endif()
include(CPack)
