# Airflow 3.3 with Earshot installed: the image of every Airflow service and of the one-shot
# `setup` and `kibana-dashboards` services in docker-compose.yml. Build context: the repository.
FROM apache/airflow:3.3.2-python3.11

USER root
# The shared volume where `earshot setup` leaves the pipeline's API key for the Airflow services;
# a new named volume copies this directory's owner and mode.
RUN install -d -o airflow -g 0 -m 0770 /var/lib/earshot/secrets \
 && install -d -o airflow -g 0 -m 0755 /opt/earshot
COPY --chmod=0755 docker/earshot-entrypoint.sh /usr/local/bin/earshot-entrypoint
USER airflow

# The repository (docker/earshot.Dockerfile.dockerignore keeps out .venv, .earshot, .git, tests).
COPY --chown=airflow:0 . /opt/earshot
# pyproject.toml pins apache-airflow to this image's version, so pip keeps Airflow as it is.
RUN pip install --no-cache-dir -e /opt/earshot

ENTRYPOINT ["/usr/bin/dumb-init", "--", "/usr/local/bin/earshot-entrypoint"]
CMD []
