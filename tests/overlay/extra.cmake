# The overlay's tests use its headers and library (no window: the drawing itself is not exercised here).
target_link_libraries(fm_overlay_tests PRIVATE fm::overlay)
