# The memory-system tests check JSON with a real parser and measure heap traffic with the counting
# operator new (fm::new_counter).
find_package(nlohmann_json CONFIG REQUIRED)
target_link_libraries(fm_system_tests PRIVATE nlohmann_json::nlohmann_json fm::new_counter)
