"""Project-wide promises: settings, migrations, the admin."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k" * 20 + "-production-secret-for-the-test-only-0123456789",
    "DJANGO_ALLOWED_HOSTS": "cosell.example.com",
}


def run_manage(*args, env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_to_boot_without_secret_or_hosts(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr
    assert "Production mode" in result.stderr


def test_check_deploy_passes_with_production_variables():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_migrations_are_complete(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_every_model_of_ours_is_in_the_admin():
    ours = [
        model
        for model in apps.get_models()
        if model._meta.app_label
        in {"core", "partners", "offers", "opportunities", "registrations", "partnercenter"}
    ]
    missing = [model.__name__ for model in ours if not admin.site.is_registered(model)]
    assert missing == []


@pytest.mark.django_db
def test_admin_changelists_open_for_staff_and_not_for_partners(
    admin_user, partner_admin, client_for
):
    staff = client_for(admin_user)
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in {
            "core",
            "partners",
            "offers",
            "opportunities",
            "registrations",
            "partnercenter",
        }:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert staff.get(url).status_code == 200, url
        assert model_admin.list_filter or model_admin.search_fields, model
    response = client_for(partner_admin).get(reverse("admin:partners_partner_changelist"))
    assert response.status_code == 302


def test_production_collects_static_files(tmp_path):
    """The Docker image runs collectstatic in production mode: every vendored file must resolve."""
    result = run_manage(
        "collectstatic", "--noinput", env={**PRODUCTION_ENV, "COSELL_VAR_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "staticfiles" / "staticfiles.json").exists()


def test_docker_compose_follows_the_compose_specification():
    """No Docker engine runs here: the file is checked against the Compose specification."""
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("check-jsonschema")),
            "--builtin-schema",
            "vendor.compose-spec",
            str(ROOT / "docker-compose.yml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_runs_the_processes_make_run_starts():
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    procfile = dict(
        line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    for name, command in procfile.items():
        assert compose["services"][name]["command"] == [command]


def test_docker_build_context_leaves_out_local_state():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for path in (".git", ".venv", "var", "test-artifacts"):
        assert path in ignored
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.count("COPY . .") == 1
    assert "pip install --no-cache-dir ." not in dockerfile  # the code is not installed twice
