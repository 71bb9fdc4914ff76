-- wrk script for the paced runs of bench/http_bench.py: each connection waits
-- PACE_MS milliseconds after every response before its next request, so both
-- servers get the same offered load (about connections × 1000 / PACE_MS
-- requests a second), well under what either can serve. Their p99 then shows
-- how long a request takes under steady traffic, not how long it queued
-- behind a saturated CPU that wrk itself competes for.
local pause = tonumber(os.getenv("PACE_MS") or "10")

function delay()
  return pause
end
