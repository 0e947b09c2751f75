# The entity stores shared with the demo and the benchmarks live in demo/sim/.
target_include_directories(fm_handle_tests PRIVATE ${PROJECT_SOURCE_DIR}/demo)

# The handle examples of the README and of the user guide, compiled and run as written.
fm_add_doc_example(fm_handles_readme_example ${PROJECT_SOURCE_DIR}/README.md handles-example)
fm_add_doc_example(fm_handles_guide_example ${PROJECT_SOURCE_DIR}/docs/handles.md handles-example)
