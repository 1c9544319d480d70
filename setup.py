"""Packaging hook: the wheel carries ontology/, seeds/ and queries/ as package data of `kg`.

The checkout keeps those folders at the top level (researchers edit them there); `build_py` copies
them to kg/data/ in the built package, where `kg.settings` finds them when there is no checkout.
Everything else is declared in pyproject.toml.
"""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

#: top-level folders carried into the package, under kg/data/
DATA_FOLDERS = ("ontology", "seeds", "queries")
#: never packaged: caches and editor leftovers
SKIPPED_PARTS = {"__pycache__", ".ipynb_checkpoints"}


class build_py_with_data(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's folders directly
        here = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "kg" / "data"
        for folder in DATA_FOLDERS:
            for path in sorted((here / folder).rglob("*")):
                if path.is_file() and not SKIPPED_PARTS.intersection(path.parts) and not path.name.endswith("~"):
                    destination = target / path.relative_to(here)
                    self.mkpath(str(destination.parent))
                    self.copy_file(str(path), str(destination))


setup(cmdclass={"build_py": build_py_with_data})
