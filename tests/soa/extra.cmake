# The particle kernels shared with the demo and the benchmarks live in demo/sim/.
target_include_directories(fm_soa_tests PRIVATE ${PROJECT_SOURCE_DIR}/demo)
