"""Sphinx configuration of the skmlp documentation.

Build (warnings are errors):  python -m sphinx -W -b html docs docs/_build/html
Needs the ``docs`` extra alone:  pip install ".[docs]"

Neither the build nor the built site touches the network: intersphinx is
loaded but has no inventories to fetch, the gallery runs on data generated
locally or shipped with scikit-learn, and MathJax is served from the site's
own ``_static/mathjax`` (see "MathJax" below).
"""

import importlib.util
import os
import shutil
from datetime import date
from pathlib import Path

from threadpoolctl import threadpool_limits

os.environ.setdefault("SCIPY_ARRAY_API", "1")  # array API example; before SciPy loads
import skmlp

# The gallery draws off-screen.
os.environ.setdefault("MPLBACKEND", "Agg")

# The gallery trains small networks (64-wide layers, a few hundred samples).
# For matrices that small, extra BLAS threads spend more time synchronising
# than computing -- several times slower on a busy CI machine -- so the build
# runs the examples' matrix products on one thread. GridSearchCV's n_jobs
# still uses the other cores, through processes.
threadpool_limits(limits=1, user_api="blas")

# -- Project ------------------------------------------------------------------

project = "skmlp"
author = "The skmlp developers"
copyright = f"{date.today().year}, {author}"
release = skmlp.__version__
version = ".".join(release.split(".")[:2])

# -- Extensions ---------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
root_doc = "index"
default_role = "literal"
pygments_style = "sphinx"

# -- autodoc / autosummary / numpydoc -------------------------------------

autosummary_generate = True
autodoc_typehints = "none"
autodoc_default_options = {"member-order": "bysource"}
# numpydoc would add its own method tables; the class template lists the
# members instead (see _templates/autosummary/class.rst).
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# -- MathJax ------------------------------------------------------------------

# The equations are typeset by MathJax 3.2.2 from a copy inside the built site,
# so pages opened offline (or from file://) render them. The files come from
# the sphinx-mathjax-offline package (docs extra, pinned), used here as a data
# package only: its Sphinx extension would copy all 24 MB of it, while the
# pages need one combined script (TeX input, CommonHTML output, menu) plus what
# that script loads on demand: TeX extensions for autoload/require, the fonts,
# and the accessibility tools a reader can switch on from the menu (~7 MB).
_MATHJAX_PACKAGE = "sphinx-mathjax-offline"
_MATHJAX_PARTS = (
    "tex-chtml.js",
    "input/tex/extensions",
    "output/chtml/fonts",
    "a11y",
    "sre",
    "ui",
)
mathjax_path = "mathjax/tex-chtml.js"  # relative: under the site's _static/


def _mathjax_source():
    spec = importlib.util.find_spec(_MATHJAX_PACKAGE)
    root = None
    if spec is not None and spec.submodule_search_locations:
        root = Path(next(iter(spec.submodule_search_locations))) / "static/mathjax"
    if root is None or not all((root / part).exists() for part in _MATHJAX_PARTS):
        raise RuntimeError(
            f"MathJax files not found: the {_MATHJAX_PACKAGE} package (docs "
            'extra) is missing or not the pinned release; pip install ".[docs]"'
        )
    return root


def _copy_mathjax(app, exception):
    """Copy the MathJax files into ``_static/mathjax`` of an HTML build."""
    if exception is not None or app.builder.format != "html":
        return
    source = _mathjax_source()
    target = Path(app.outdir) / "_static" / "mathjax"
    for part in _MATHJAX_PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part, dirs_exist_ok=True)
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / part, target / part)


def setup(app):
    _mathjax_source()  # fail at the start of the build, not after it
    app.connect("build-finished", _copy_mathjax)


# -- intersphinx --------------------------------------------------------------

# Deliberately empty: the build must work offline, and -W would turn a failed
# inventory download into an error. References to scikit-learn, NumPy and
# SciPy objects render as code without a link.
intersphinx_mapping = {}

# -- sphinx-gallery -----------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("skmlp",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"skmlp": None},
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 1,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
}

# -- HTML ---------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skmlp {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 5,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": [], "getting_started": []}
html_context = {"default_mode": "light"}
