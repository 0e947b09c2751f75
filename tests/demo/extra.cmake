# Demo tests: scenario, checksum, scratch and switch specs, a headless run of toggle_tour checked from its
# report and PNG, a headless run that goes over a budget and jumps to the last overrun, a shortened soak
# without rendering, bad scenarios rejected with exit status 2, and a real-window click with xdotool. Only
# with the demo built.
if(NOT TARGET framemem_demo_lib)
  return()
endif()
find_package(nlohmann_json CONFIG REQUIRED)
set(_demo_dir ${CMAKE_CURRENT_SOURCE_DIR}/demo)
set(_demo_out ${CMAKE_CURRENT_BINARY_DIR}/demo-out)
set(_assets ${PROJECT_SOURCE_DIR}/assets)

file(GLOB _demo_specs CONFIGURE_DEPENDS ${_demo_dir}/*_spec.cpp)
fm_add_doctest(fm_demo_tests unit ${_demo_specs})
target_link_libraries(fm_demo_tests PRIVATE framemem_demo_lib)
target_compile_definitions(fm_demo_tests PRIVATE FM_ASSETS_DIR="${_assets}")

add_executable(demo_check ${_demo_dir}/demo_check.cpp)
target_link_libraries(demo_check PRIVATE nlohmann_json::nlohmann_json PkgConfig::FM_STB)
fm_target_defaults(demo_check)

find_program(FM_XVFB_RUN xvfb-run REQUIRED)
add_test(NAME demo_headless_toggle_tour
  COMMAND ${_demo_dir}/run_headless.sh $<TARGET_FILE:framemem-demo> $<TARGET_FILE:demo_check> ${_assets}
          ${_demo_out}/toggle_tour toggle_tour 300 10)
set_tests_properties(demo_headless_toggle_tour PROPERTIES LABELS "demo" TIMEOUT 900)

add_test(NAME demo_headless_overrun
  COMMAND ${_demo_dir}/run_overrun.sh $<TARGET_FILE:framemem-demo> $<TARGET_FILE:demo_check> ${_assets}
          ${_demo_out}/overrun)
set_tests_properties(demo_headless_overrun PROPERTIES LABELS "demo" TIMEOUT 900)

# The soak, shortened for CI (the full 100,000 frames: scripts/soak.sh). Under AddressSanitizer the
# allocator's quarantine holds freed memory, so the resident size is not checked there.
if(FM_SANITIZE)
  set(_soak_growth -1)
else()
  set(_soak_growth 2048)
endif()
add_test(NAME demo_soak_short
  COMMAND ${_demo_dir}/run_soak.sh $<TARGET_FILE:framemem-demo> $<TARGET_FILE:demo_check> ${_assets}
          ${_demo_out}/soak 6000 ${_soak_growth})
set_tests_properties(demo_soak_short PROPERTIES LABELS "demo" TIMEOUT 300)

foreach(case IN ITEMS
    "not_json|line 5: not valid JSON"
    "unknown_mode|field 'modes.particles': expected one of aos_heap, aos_pool, soa, got \"aos\""
    "negative_count|field 'particles': expected an integer from 0 to 2000000, got -5"
    "missing_field|field 'entities': expected a value (the field is missing)"
    "bad_step|field 'steps[1].scratch': expected one of malloc, frame_arena, got \"stack\"")
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 name)
  list(GET parts 1 expected)
  add_test(NAME demo_rejects_${name}
    COMMAND ${_demo_dir}/expect_rejected.sh $<TARGET_FILE:framemem-demo> ${_assets}
            ${_demo_dir}/bad/${name}.json "${expected}")
  set_tests_properties(demo_rejects_${name} PROPERTIES LABELS "demo")
endforeach()

find_program(FM_XDOTOOL xdotool REQUIRED)
add_test(NAME demo_window_click_toggle
  COMMAND ${_demo_dir}/click_toggle.sh $<TARGET_FILE:framemem-demo> ${_assets} ${_demo_out}/click)
set_tests_properties(demo_window_click_toggle PROPERTIES LABELS "demo" TIMEOUT 600)

add_test(NAME demo_window_scrub_timeline
  COMMAND ${_demo_dir}/scrub_timeline.sh $<TARGET_FILE:framemem-demo> ${_assets} ${_demo_out}/scrub)
set_tests_properties(demo_window_scrub_timeline PROPERTIES LABELS "demo;gui" TIMEOUT 600)
