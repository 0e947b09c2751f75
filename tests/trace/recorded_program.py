# A short Python program whose allocations (through FRAMEMEM_TRACE) are replayed by the replay tests:
# dictionaries, lists and strings built and dropped, JSON round trips, and two threads doing the same.
import json
import threading


def churn(seed, rounds):
    kept = []
    for i in range(rounds):
        record = {"id": i, "name": "item-%d-%d" % (seed, i), "tags": [str(t) for t in range(i % 7)]}
        text = json.dumps(record)
        kept.append(json.loads(text))
        if len(kept) > 200:
            kept = kept[100:]
    return sum(len(r["tags"]) for r in kept)


workers = [threading.Thread(target=churn, args=(s, 3000)) for s in (1, 2)]
for w in workers:
    w.start()
total = churn(0, 3000)
for w in workers:
    w.join()
print("checksum", total)
