#!/usr/bin/env bash
# Airflow's own entrypoint, after taking Elasticsearch API keys from the files that
# `earshot setup` wrote into the shared volume (the pipeline's, and the maintenance DAG's),
# unless the environment already gives one (an existing cluster's key in .env). No secret is
# baked into the image or the compose file.
set -euo pipefail

for variable in EARSHOT_ELASTICSEARCH_API_KEY EARSHOT_MAINTENANCE_API_KEY; do
  file_variable="${variable}_FILE"
  key_file="${!file_variable:-}"
  if [[ -z "${!variable:-}" && -n "${key_file}" ]]; then
    if [[ ! -r "${key_file}" ]]; then
      echo "earshot: no API key in ${key_file}; has the setup service run?" >&2
      exit 1
    fi
    export "${variable}=$(< "${key_file}")"
  fi
done

exec /entrypoint "$@"
