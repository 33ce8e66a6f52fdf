#!/usr/bin/env bash
# Regenerate the screenshots in docs/screenshots/ from a running hub (make demo).
# Needs Debian's chromium: apt-get install chromium
set -euo pipefail
BASE=${1:-http://127.0.0.1:8000}
OUT=$(dirname "$0")/screenshots
shot() {  # name width height path
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d)" --hide-scrollbars --window-size="$2,$3" \
    --screenshot="$OUT/$1.png" "$BASE$4" 2>/dev/null
}
shot home 1280 1100 /
shot centres 1280 1100 "/centres/?cluster=escape"
shot centre 1280 1300 /centres/escape-cc/
shot competence 1280 1000 /vocabularies/competences/ivoa-tap-adql/
shot centre-phone 390 1200 /centres/escape-vre/
shot search 1280 1000 "/search/?q=where+can+I+publish+my+analysis+code"
echo "screenshots written to $OUT"
# Staff views: rendered as a signed-in user (default: admin) and opened from a file.
AS=${CCHUB_SCREENSHOT_USER:-admin}
staff() {  # name width height path
  local page; page=$(mktemp --suffix=.html)
  python3 "$(dirname "$0")/render_as.py" "$AS" "$4" "$BASE" > "$page"
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d)" --hide-scrollbars --window-size="$2,$3" \
    --screenshot="$OUT/$1.png" "file://$page" 2>/dev/null
}
shot support-ask 1280 1000 /support/
shot support-article 1280 800 /support/articles/
shot support-ask-phone 390 1400 /support/
shot glossary 1280 1000 /glossary/
shot training 1280 1100 /training/
shot training-event 1280 1000 /training/events/adql-and-tap-with-gaia/
shot glossary-term 1280 1100 /glossary/competence-centre
shot catalog 1280 1200 /catalog
shot federation 1280 900 /federation/
staff support-queue 1280 700 "/support/queue/?queue=open"
staff support-ticket 1280 1300 "/support/tickets/1/"
staff support-triage 1280 1000 "/support/tickets/6/"
echo "staff views written to $OUT"
shot landscape 1280 1400 /landscape/
shot landscape-coverage 1280 1200 /landscape/coverage/
shot landscape-gaps 1280 1200 /landscape/gaps/
shot landscape-phone 390 1400 /landscape/
shot onboarding 1280 1000 /onboarding/
staff onboarding-output 1280 1600 /onboarding/outputs/2/
staff support-triage 1280 1300 "/support/tickets/20/"
staff support-report 1280 800 "/support/reports/"
staff support-desk 1280 800 "/support/desks/escape-cc/"
