FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY cosell ./cosell
COPY offers ./offers
COPY opportunities ./opportunities
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir .
COPY . .
RUN DJANGO_DEBUG=false DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=build \
    COSELL_VAR_DIR=/app/var .venv/bin/python manage.py collectstatic --noinput
RUN useradd --system --home /app cosell && mkdir -p /app/var/media && chown -R cosell /app/var
USER cosell
EXPOSE 8000
CMD ["bin/web"]
