"""Put Microsoft's Partner Center Referrals connector definition where the contract test reads it.

The definition (an OpenAPI 2.0 file in microsoft/PowerPlatformConnectors, MIT) is the test of
record for the portal's Referrals API, but it is Microsoft's file, not ours: the repository does
not carry a copy. This script places the pinned version at var/partner-center/ from, in order:
the file named by COSELL_PC_CONNECTOR, a local git mirror of that repository
(COSELL_PC_CONNECTOR_MIRROR, a git directory), or GitHub. It checks the SHA-256 and exits non-zero
with what to do when none of them works, so the contract test never runs against something else.
"""

import hashlib
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

COMMIT = "f5a58e00cf88afc6b3065521d6fa9ca5f0d1f486"
PATH = "certified-connectors/PartnerCenterReferrals/apiDefinition.swagger.json"
SHA256 = "d70ba0fdeb59c638ad60eca2a6b39b710d35f5a777099af546eea9522148f243"
URL = f"https://raw.githubusercontent.com/microsoft/PowerPlatformConnectors/{COMMIT}/{PATH}"
MIRRORS = ["/work/.mirror/microsoft+PowerPlatformConnectors/repo"]
ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "var" / "partner-center" / "apiDefinition.swagger.json"


def good(raw: bytes | None) -> bool:
    return raw is not None and hashlib.sha256(raw).hexdigest() == SHA256


def from_file() -> bytes | None:
    name = os.environ.get("COSELL_PC_CONNECTOR")
    return Path(name).read_bytes() if name and Path(name).is_file() else None


def from_mirror() -> bytes | None:
    for git_dir in [os.environ.get("COSELL_PC_CONNECTOR_MIRROR"), *MIRRORS]:
        if git_dir and Path(git_dir).is_dir():
            result = subprocess.run(  # noqa: S603
                ["git", "--git-dir", git_dir, "show", f"{COMMIT}:{PATH}"],  # noqa: S607
                capture_output=True,
                check=False,
            )
            if result.returncode == 0:
                return result.stdout
    return None


def from_github() -> bytes | None:
    try:
        with urllib.request.urlopen(URL, timeout=20) as response:
            return response.read()
    except OSError:
        return None


def main() -> int:
    if TARGET.exists() and good(TARGET.read_bytes()):
        return 0
    for source in (from_file, from_mirror, from_github):
        raw = source()
        if good(raw):
            TARGET.parent.mkdir(parents=True, exist_ok=True)
            TARGET.write_bytes(raw)
            print(f"Partner Center connector definition placed at {TARGET}.")
            return 0
    print(
        "Microsoft's Partner Center Referrals connector definition (the Referrals API's contract "
        f"test) is not here and could not be fetched. Download\n  {URL}\nand set "
        "COSELL_PC_CONNECTOR to the file (or COSELL_PC_CONNECTOR_MIRROR to a git clone of "
        "microsoft/PowerPlatformConnectors).",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
