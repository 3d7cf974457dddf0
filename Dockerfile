# One image for every Shouwang service: the CLI and portal, and all Airflow components.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    AIRFLOW_HOME=/opt/airflow \
    SHOUWANG_HOME=/srv/shouwang

# Airflow's conventional uid, so bind-mounted dags/logs folders have one owner to match.
RUN useradd --create-home --uid 50000 --gid 0 shouwang \
    && mkdir -p /opt/airflow /srv/shouwang/landing /srv/shouwang/out \
    && chown -R shouwang:0 /opt/airflow /srv/shouwang

WORKDIR /opt/shouwang
# Dependencies first (pinned by constraints.txt) so code edits reuse the cached layer.
COPY pyproject.toml constraints.txt README.md ./
COPY shouwang ./shouwang
COPY warehouse ./warehouse
COPY connectors ./connectors
COPY expectations ./expectations
COPY matching ./matching
COPY screening ./screening
COPY portal ./portal
COPY dags ./dags
RUN pip install -c constraints.txt ".[celery]"

USER shouwang
EXPOSE 8000 8080
CMD ["shouwang", "--help"]
