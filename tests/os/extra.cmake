# The OS layer is private to fm::core (engine/src/os); its specification includes it from there.
target_include_directories(fm_os_tests PRIVATE ${PROJECT_SOURCE_DIR}/engine/src)
