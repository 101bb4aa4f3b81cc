"""``book.glue`` writes what myst-nb reads, without myst-nb."""

import nbformat
from nbclient import NotebookClient


def test_glued_values_reach_the_notebook_in_myst_nbs_format(tmp_path):
    from myst_nb.ext.glue import extract_glue_data_cell

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from book.glue import glue\n"
        "glue('shown', 3.5)\n"
        "glue('hidden', 'text', display=False)")])
    NotebookClient(notebook, kernel_name="python3").execute()
    shown = [o for o in notebook.cells[0].outputs if "text/plain" in o.get("data", {})]
    glued = dict(extract_glue_data_cell(notebook.cells[0]))
    assert glued["shown"]["data"]["text/plain"] == "3.5"
    assert glued["hidden"]["data"]["text/plain"] == "'text'"
    assert len(shown) == 1            # only the value glued with display=True is visible


def test_glue_outside_jupyter_keeps_the_value():
    from book.glue import VALUES, glue

    glue("plain-python", 42, display=False)
    assert VALUES["plain-python"] == 42
