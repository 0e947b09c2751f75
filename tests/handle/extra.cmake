# The entity stores shared with the demo and the benchmarks live in demo/sim/.
target_include_directories(fm_handle_tests PRIVATE ${PROJECT_SOURCE_DIR}/demo)

# The user guide's program (docs/handles.md) is compiled and run, so the guide stays true.
set(_fm_guide ${PROJECT_SOURCE_DIR}/docs/handles.md)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_fm_guide})
file(READ ${_fm_guide} _fm_guide_text)
string(REGEX MATCH "<!-- handles-example:begin -->[^`]*```cpp\n(.*)```[^`]*<!-- handles-example:end -->"
       _fm_guide_found "${_fm_guide_text}")
if(NOT _fm_guide_found)
  message(FATAL_ERROR "docs/handles.md has no ```cpp block between the handles-example markers")
endif()
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/handles_guide_example.cpp.in "${CMAKE_MATCH_1}")
configure_file(${CMAKE_CURRENT_BINARY_DIR}/handles_guide_example.cpp.in
               ${CMAKE_CURRENT_BINARY_DIR}/handles_guide_example.cpp COPYONLY)
add_executable(fm_handles_guide_example ${CMAKE_CURRENT_BINARY_DIR}/handles_guide_example.cpp)
target_link_libraries(fm_handles_guide_example PRIVATE fm::core)
fm_target_defaults(fm_handles_guide_example)
add_test(NAME "fm_handle_tests: user guide example runs" COMMAND fm_handles_guide_example)
set_tests_properties("fm_handle_tests: user guide example runs" PROPERTIES LABELS unit)
