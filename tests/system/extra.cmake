# The memory-system tests check JSON with a real parser and measure heap traffic with the counting
# operator new (fm::new_counter).
find_package(nlohmann_json CONFIG REQUIRED)
target_link_libraries(fm_system_tests PRIVATE nlohmann_json::nlohmann_json fm::new_counter)

# The README's memory-system example, compiled and run exactly as written there.
fm_add_doc_example(fm_readme_memory_system ${PROJECT_SOURCE_DIR}/README.md memory-system-example)
set_tests_properties(fm_readme_memory_system PROPERTIES PASS_REGULAR_EXPRESSION "frame 3: net over its soft budget\nframe 5: net over its hard budget\nframe 41: bullets over its per-frame budget\nframe 41: entities/ai over its soft budget\nout of memory in 'net': requested 1000 bytes aligned to 16, capacity 4096 bytes \\(over the hard budget of system 'net': 4000 of 4096 bytes used\\).*bullets: occupancy 0\\.[0-9]+.*grew most: bullets \\+496 B\nframe 61: physics over its per-frame budget\nmemory system: system 'physics' is over its per-frame budget in frame 61: allocations 1, budget 0.*framemem: 1 leaked allocation \\(32 bytes\\)")
