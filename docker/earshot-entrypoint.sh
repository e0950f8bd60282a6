#!/usr/bin/env bash
# Airflow's own entrypoint, after taking the pipeline's Elasticsearch API key from the file that
# `earshot setup` wrote into the shared volume, unless the environment already gives one (an
# existing cluster's key in .env). No secret is baked into the image or the compose file.
set -euo pipefail

if [[ -z "${EARSHOT_ELASTICSEARCH_API_KEY:-}" && -n "${EARSHOT_ELASTICSEARCH_API_KEY_FILE:-}" ]]; then
  if [[ ! -r "${EARSHOT_ELASTICSEARCH_API_KEY_FILE}" ]]; then
    echo "earshot: no API key in ${EARSHOT_ELASTICSEARCH_API_KEY_FILE}; has the setup service run?" >&2
    exit 1
  fi
  EARSHOT_ELASTICSEARCH_API_KEY="$(< "${EARSHOT_ELASTICSEARCH_API_KEY_FILE}")"
  export EARSHOT_ELASTICSEARCH_API_KEY
fi

exec /entrypoint "$@"
