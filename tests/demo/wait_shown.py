# Waits until the demo's --shown-file satisfies a condition on `s` (the parsed JSON); prints the field
# named by the optional fourth argument. usage: wait_shown.py <file> <timeout-seconds> <condition> [field]
import json, sys, time

path, timeout, condition = sys.argv[1], float(sys.argv[2]), sys.argv[3]
field = sys.argv[4] if len(sys.argv) > 4 else None
deadline = time.monotonic() + timeout
s = None
while time.monotonic() < deadline:
    try:
        s = json.load(open(path))
        if eval(condition, {}, {"s": s}):
            if field:
                print(s[field])
            sys.exit(0)
    except (OSError, ValueError):
        pass
    time.sleep(0.1)
sys.exit(f"timed out after {timeout:.0f} s waiting for {condition} in {path}; last seen: {s}")
