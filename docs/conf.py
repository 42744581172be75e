"""Sphinx configuration of the skmlp documentation.

Build (warnings are errors):  sphinx-build -W -b html docs docs/_build/html
Needs the ``docs`` extra, and ``distributed`` for the Dask example:
                              pip install -e ".[docs,distributed]"

The build never touches the network: intersphinx is loaded but has no
inventories to fetch, and the gallery runs on data generated locally or
shipped with scikit-learn.
"""

import os
from datetime import date

from threadpoolctl import threadpool_limits

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
