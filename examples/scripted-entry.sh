#!/usr/bin/env bash
# Scripted order entry with ordercli: what a web-form handler, a cron job or
# the evening after a fair looks like. Every step checks its exit code:
#   0 ok · 1 refused by a business rule (stock, unknown order…) · 2 bad input · 130 cancelled
#
# Run it from anywhere; it uses ./fair-demo.db unless ORDERCLI_DB is set:
#   bash examples/scripted-entry.sh
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
export ORDERCLI_DB="${ORDERCLI_DB:-./fair-demo.db}"
ordercli="${ORDERCLI:-ordercli}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 0. The catalog (by SKU: running this again updates, never duplicates).
$ordercli --no-input product import "$here/catalog.csv"

# 1. One order from a form, with flags. --ref is the form's id: if the
#    script is retried (timeout, crash), the same --ref creates nothing new.
$ordercli --no-input order create \
  --name "Nora Petit" --email nora.petit@example.com \
  --item CANDLE-FIG:1 --item CARD-BIRTHDAY:2 \
  --payment-method "PayPal invoice" --ref FORM-2026-0001 \
  --format json > "$work/form-order.json"
number="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["number"])' "$work/form-order.json")"
echo "form order: $number"

# A bad request is refused with exit 2 and one line on stderr; nothing is saved.
if $ordercli --no-input order create --name "Nobody" --item CANDLE-FIG:1 2> "$work/err.txt"; then
  echo "expected a refusal" >&2; exit 1
else
  rc=$?
  [ "$rc" -eq 2 ] || { echo "unexpected exit code $rc" >&2; exit 1; }
  echo "refused as expected (exit $rc): $(head -1 "$work/err.txt")"
fi

# 2. The fair's paper orders, typed into a spreadsheet: check first (nothing
#    is written), then import. The default policy, reject-all, writes nothing
#    at all if any row is wrong and lists every problem with its line.
$ordercli --no-input order import "$here/fair-day.csv" --dry-run --format json > "$work/dry-run.json"

set +e
$ordercli --no-input order import "$here/fair-day.csv" --no-notify \
  --format json --errors "$work/problems.csv" > "$work/summary.json"
rc=$?
set -e
case "$rc" in
  0) echo "fair-day.csv: $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["created"], "created,", s["already_imported"], "already imported, total", s["total_amount"], s["currency"])' "$work/summary.json")" ;;
  1|2) echo "fair-day.csv was not imported (exit $rc); problems:" >&2; cat "$work/problems.csv" >&2; exit "$rc" ;;
  *) echo "import stopped (exit $rc)" >&2; exit "$rc" ;;
esac

# Running the same import again is harmless: everything is "already imported".
$ordercli --no-input order import "$here/fair-day.csv" --format json > "$work/again.json"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["created"] == 0, s; print("re-run:", s["already_imported"], "already imported, 0 created")' "$work/again.json"

# 3. Orders from the web shop as JSON (same field names as `order show --format json`).
$ordercli --no-input order import "$here/orders.json" --on-error skip --format json > "$work/web.json"

# 4. Out again: a spreadsheet of today's orders, and Ecwid bodies for the online store.
$ordercli --no-input order export --since today --output "$work/today.csv"
$ordercli --no-input order export --format ecwid --output "$work/ecwid-orders.json"
echo "exported $(($(wc -l < "$work/today.csv") - 1)) line items to today.csv and $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/ecwid-orders.json") orders for Ecwid"
