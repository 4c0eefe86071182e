# The ivex image: the CLI, connectors and stream workers (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    IVEX_CONFIG=/app/config/hexi.toml

WORKDIR /app
COPY . /app
RUN pip install . \
    && useradd --create-home --uid 10001 ivex \
    && mkdir -p /app/.ivex && chown ivex /app/.ivex
USER ivex

CMD ["ivex", "--help"]
