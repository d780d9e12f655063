"""Build hook: compile the gettext catalogs (``.po`` -> ``.mo``) into the package.

``pip install .`` and ``pip install -e .`` run ``build_py``, which compiles every
``src/ordercli/locale/*/LC_MESSAGES/ordercli.po`` with Babel (a build requirement,
see pyproject.toml) before the package data is collected: the compiled catalogs
are part of the installed package with no manual step. Everything else about the
package is in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LOCALE = Path(__file__).resolve().parent / "src" / "ordercli" / "locale"


def compile_catalogs() -> list[Path]:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    done = []
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        with open(po, "rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name)
        with open(mo, "wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        done.append(mo)
    return done


class build_py_with_catalogs(build_py):
    def run(self):
        compile_catalogs()
        super().run()


setup(cmdclass={"build_py": build_py_with_catalogs})
