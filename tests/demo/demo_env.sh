# Sourced by the demo tests. When the demo is built with AddressSanitizer, Mesa's driver is preloaded so
# it stays loaded until exit: a driver unloaded before LeakSanitizer's check leaves its still-reachable
# blocks looking like leaks from an unknown module. Leak detection stays on for everything else.
fm_demo_env() {
  local demo=$1 asan driver
  asan=$(ldd "$demo" | awk '/libasan\.so/ {print $3}')
  driver=/usr/lib/$(gcc -print-multiarch)/dri/swrast_dri.so
  if [[ -n "$asan" && -f "$driver" ]]; then
    echo "LD_PRELOAD=$asan:$driver"
  fi
}
