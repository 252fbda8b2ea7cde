# One image for the app and the worker (`bidding serve` / `bidding worker`).
FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# Dependencies from the lock file (pinned with hashes, build backend included), then the package.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock
COPY pyproject.toml README.md ./
COPY bidding/ bidding/
COPY opening_room/ opening_room/
COPY crypto/ crypto/
COPY storage/ storage/
RUN pip install --no-cache-dir --no-deps --no-build-isolation . && pip check
COPY --from=frontend /src/frontend/dist /app/frontend/dist
ENV BIDDING_FRONTEND_DIR=/app/frontend/dist BIDDING_HOST=0.0.0.0
RUN useradd --system --uid 1000 bidding && mkdir -p /app/var /pki && chown bidding /app/var /pki
USER bidding
EXPOSE 8000
CMD ["bidding", "serve"]
