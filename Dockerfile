# syntax=docker/dockerfile:1
# Build: install the package and its pinned dependencies into a virtualenv.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml constraints.txt README.md ./
COPY src ./src
RUN pip install --no-cache-dir -c constraints.txt ".[sentry]"

# Runtime: the virtualenv, the PostgreSQL client tools for `travellr db backup`, nothing else.
FROM python:3.11-slim-bookworm AS runtime
# Unpinned on purpose: the distribution's security updates should land on every rebuild.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
# The backups volume is mounted at /app/backups: a new named volume takes the ownership of the
# directory it covers, so the directory exists in the image, owned by the user that writes there.
RUN groupadd --system --gid 10001 travellr \
    && useradd --system --uid 10001 --gid travellr --home-dir /app --create-home travellr \
    && mkdir -p /app/backups \
    && chown 10001:10001 /app/backups
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TRAVELLR_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    BACKUP_DIR=/app/backups
WORKDIR /app
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
CMD ["travellr", "serve"]
