# Installs headers, libraries and the framemem CMake package (find_package(framemem) -> fm::core, fm::overlay).
include(CMakePackageConfigHelpers)

set(FM_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/framemem)
set(_fm_export_targets framemem_core)
install(DIRECTORY engine/include/fm DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET framemem_overlay)
  list(APPEND _fm_export_targets framemem_overlay)
  install(DIRECTORY engine/overlay/include/fm DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
if(TARGET framemem_new_counter)
  list(APPEND _fm_export_targets framemem_new_counter)
endif()
install(TARGETS ${_fm_export_targets} EXPORT framememTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  OBJECTS DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT framememTargets NAMESPACE fm:: DESTINATION ${FM_INSTALL_CMAKEDIR})

set(FM_PACKAGE_HAS_OVERLAY ${FM_BUILD_OVERLAY})
configure_package_config_file(cmake/framememConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/framememConfig.cmake
  INSTALL_DESTINATION ${FM_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/framememConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/framememConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/framememConfigVersion.cmake
  DESTINATION ${FM_INSTALL_CMAKEDIR})
