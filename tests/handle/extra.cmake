# The entity stores shared with the demo and the benchmarks live in demo/sim/.
target_include_directories(fm_handle_tests PRIVATE ${PROJECT_SOURCE_DIR}/demo)
