FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# The pinned dependencies first (a layer that changes only with pyproject.toml); the code itself
# is copied once, below, and runs from /app (it is not installed a second time).
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
    && python -m venv .venv && .venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt
COPY . .
RUN DJANGO_DEBUG=false DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=build \
    DATABASE_URL=postgres://build@localhost/build COSELL_VAR_DIR=/app/var \
    .venv/bin/python manage.py collectstatic --noinput
RUN useradd --system --home /app cosell && mkdir -p /app/var/media && chown -R cosell /app/var
USER cosell
EXPOSE 8000
CMD ["bin/web"]
