#!/usr/bin/env bash
# Publishes the workbench web app to a deployed stack: builds web/dist, writes its config.json
# from the stack's outputs (Cognito hosted UI, app client, live-updates socket), uploads it to
# the stack's bucket and invalidates CloudFront. Needs the AWS CLI with credentials.
#   infra/publish-web.sh [stack-name]      (default: agent-workbench)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
stack="${1:-agent-workbench}"

output() {
  aws cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}

bucket="$(output WebBucketName)"
distribution="$(output WebDistributionId)"
url="$(output WorkbenchUrl)"
client_id="$(output UserPoolClientId)"
hosted_ui="$(output HostedUiUrl)"
ws_url="$(output LiveUrl 2>/dev/null || true)"
[ "$ws_url" = "None" ] && ws_url=""

infra/web.sh build

# The app reads this at start: sign in through the hosted UI, call the API on the same origin.
python3 - "$hosted_ui" "$client_id" "$url" "$ws_url" > web/dist/config.json <<'PY'
import json, sys
hosted_ui, client_id, url, ws_url = sys.argv[1:5]
config = {"auth": "cognito", "cognito_domain": hosted_ui, "client_id": client_id,
          "redirect_uri": url, "api_base": ""}
if ws_url:
    config["ws_url"] = ws_url
print(json.dumps(config, indent=2))
PY

# Hashed assets first and cached for a year; the page and its config last, never cached.
aws s3 sync web/dist/assets "s3://$bucket/assets" --delete --cache-control "public, max-age=31536000, immutable"
aws s3 sync web/dist "s3://$bucket" --delete --exclude "assets/*" --cache-control "no-cache"
aws cloudfront create-invalidation --distribution-id "$distribution" --paths "/index.html" "/config.json" "/" > /dev/null
echo "published to $url"
