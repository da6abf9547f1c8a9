# shellcheck shell=bash
# Environment shared by the local scripts: DynamoDB Local needs some credentials and a region,
# and nothing here should ever reach for real AWS or instance metadata.
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="$AWS_REGION"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
export AWS_EC2_METADATA_DISABLED=true
export SAM_CLI_TELEMETRY=0
