"""Copy the top-level templates/, playbooks/ and inventory/examples/ into the wheel.

The product card fixes those folders at the top of the repository; an installed wheel must
still find them, so the build places a copy under ``toolkit/_data`` (see toolkit/resources.py).

Build products (``build/``, ``aidc.egg-info``) go to a temporary folder, never into the source
tree: ``pip install .`` leaves the checkout as it was.
"""

import atexit
import shutil
import tempfile
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py as _build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("templates", "playbooks", "inventory/examples")


class build_py(_build_py):
    def run(self) -> None:
        super().run()
        for rel in SHIPPED:
            src = ROOT / rel
            if src.is_dir():
                dst = Path(self.build_lib) / "toolkit" / "_data" / rel
                shutil.rmtree(dst, ignore_errors=True)
                shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


_SCRATCH = tempfile.mkdtemp(prefix="aidc-build-")
atexit.register(shutil.rmtree, _SCRATCH, True)

setup(
    cmdclass={"build_py": build_py},
    options={"build": {"build_base": _SCRATCH}, "egg_info": {"egg_base": _SCRATCH}},
)
